//! Simulators: the devices RxDesk drives, in software, reached through the
//! real drivers (PTY pairs for serial, TCP for the network printer, stand-in
//! vendor libraries for libloading). Used by the demo mode, `rxdesk-devsim`
//! and the tests.

pub mod card_reader;
pub mod printer;
pub mod scanner;
pub mod scenario;
pub mod standin;
