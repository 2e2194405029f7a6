//! Classic Elastic Load Balancing.

pub mod classic;
pub mod listeners;
