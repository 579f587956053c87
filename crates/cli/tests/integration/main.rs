//! The one integration-test binary. Every test starts the real app on 127.0.0.1:0 against a
//! fresh database of the engine chosen by `HONGMAJIA_TEST_ENGINE` (`sqlite`, the default, or
//! `postgres` with `HONGMAJIA_TEST_PG_URL`); `scripts/test` runs the suite once per engine.

mod helpers;

mod access_matrix;
mod accounts;
mod activities;
mod audit;
mod auth;
mod browser;
mod certificates;
mod cli;
mod dev_mode;
mod exports;
mod figures;
mod history;
mod imports;
mod jobs;
mod keys;
mod oracles;
mod privacy;
mod projects;
mod records;
mod regions;
mod scaled_demo;
mod sms;
mod teams;
mod trust;
mod uploads;
mod volunteers;
mod web;
