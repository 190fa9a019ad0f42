//! What a store runs. Each engine builds its objects as typed values by pure
//! functions from a `ValidatedStore`; the operator applies them.

pub mod woocommerce;
