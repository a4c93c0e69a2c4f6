//! strata's facade: open a store, append batches, read consistent views, follow the log
