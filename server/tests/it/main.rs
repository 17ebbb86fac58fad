//! The server's integration tests, one binary: each module a subject, all
//! over real SQLite files (and a throw-away PostgreSQL cluster where
//! `PORTAL112_TEST_PG` names one, see `scripts/with-postgres.sh`), real
//! HTTP and, where a test needs it, the real `portal112` binary. One binary
//! links the server once instead of once per file.

mod common;

mod abuse;
mod backup;
mod binary;
mod console_admin;
mod console_tickets;
mod crash;
mod errors;
mod instances;
mod open;
mod open311;
mod pages;
mod postgres;
mod privacy;
mod reports;
mod routes;
mod security;
mod service_levels;
mod sql;
mod staff;
mod store_conformance;
mod tickets;
mod views;
mod webhooks;
