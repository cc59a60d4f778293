//! `trustloop-bench`: Trustloop's benchmark and its generator of large organisations, kept out of
//! the product. The benchmark measures the `trustloop` program itself, run as a server in a
//! child process, and reaches the database through the storage crate as the product does.

#![forbid(unsafe_code)]

pub mod cli;
pub mod database;
pub mod generate;
mod import;
mod intake;
mod ledger;
mod load;
mod peers;
mod pulse;
mod report;
pub mod run;
pub mod server;
