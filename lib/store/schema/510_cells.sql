-- A closed month keeps the cents it was issued with: the path (under the data folder) of its frozen
-- cells (lib.allocation.cells), and its frozen totals per billing account.
alter table period_pins add column cells text;
alter table close_totals add column billing_account text not null default '';
