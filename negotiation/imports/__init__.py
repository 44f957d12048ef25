"""Reading bank files, without the database: rows parsed and checked one by one, each
problem with its line and column, so a command and an upload page report the same words.
What needs the database (does the account exist, was this row imported before) is the
service's part."""
