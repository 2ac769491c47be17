//! The HTTP edge: the route table, request parsing and error mapping, and the handlers.
pub mod console;
pub mod dashboard;
pub mod edge;
pub mod handlers;
pub mod routes;
