//! The `trustloop` program: command-line parsing, settings, the demo organisation and the
//! command-line import. The server itself lives in `trustloop-web`.

pub mod cli;
pub mod demo;
mod demo_pulse;
pub mod settings;
