create table currency_rates (
    period text not null,
    from_currency text not null,
    to_currency text not null,
    rate text not null,
    loaded_at text not null,
    primary key (period, from_currency, to_currency)
);
