//! strata's temporal projection of the event log over petgraph; pure, no I/O
