//! RDS: the subnet groups databases are placed in.

pub mod subnet_group;
