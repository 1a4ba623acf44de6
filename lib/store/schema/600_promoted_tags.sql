-- The tag keys promoted to x_Tag_<key> columns in each lake file (comma-separated; lib.tag_columns).
alter table lake_files add column promoted_tags text not null default '';
