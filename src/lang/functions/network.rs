//! Network functions: `cidrhost`, `cidrnetmask`, `cidrsubnet` and `cidrsubnets`, following
//! Terraform's Go implementation (its `ipaddr` parser and `go-cidr` arithmetic) down to its
//! quirks, such as IPv4-mapped IPv6 prefixes and negative numbers read as two's complement.

use super::{FnContext, FnError, FnResult, Function, f, int_arg, num_arg, str_arg, str_val};
use crate::lang::types::Type;
use crate::lang::value::Value;
use num_bigint::BigInt;
use num_traits::{One, Signed, Zero};

pub(super) fn functions() -> Vec<Function> {
    let s = Type::String;
    vec![
        f("cidrhost", cidrhost, 2, Some(2), s.clone()),
        f("cidrnetmask", cidrnetmask, 1, Some(1), s.clone()),
        f("cidrsubnet", cidrsubnet, 3, Some(3), s.clone()),
        f("cidrsubnets", cidrsubnets, 1, None, Type::List(Box::new(s))),
    ]
}

/// A parsed prefix as Go holds it: the address bytes (4, or 16 for anything written in IPv6
/// syntax, IPv4-mapped included) and the mask's length in bits.
#[derive(Clone, Debug)]
struct Cidr {
    addr: u128,
    /// Bytes in the address: 4 or 16.
    len: u32,
    prefix: u32,
}

impl Cidr {
    fn bits(&self) -> u32 {
        self.len * 8
    }

    /// An IPv4-mapped IPv6 address, which Go treats as IPv4 in places.
    fn is_mapped(&self) -> bool {
        self.len == 16 && self.addr >> 32 == 0xffff
    }

    fn mask(&self) -> u128 {
        mask(self.prefix, self.bits())
    }

    fn last(&self) -> u128 {
        self.addr | (!self.mask() & all_ones(self.bits()))
    }

    fn contains(&self, addr: u128) -> bool {
        addr & self.mask() == self.addr & self.mask()
    }

    fn ip_text(&self, addr: u128) -> String {
        if self.len == 4 || (addr >> 32) == 0xffff {
            let b = (addr as u32).to_be_bytes();
            return format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3]);
        }
        ipv6_text(addr)
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Go prints a mapped prefix as IPv4, with the mask's last four bytes.
        let prefix = if self.is_mapped() {
            self.prefix.saturating_sub(96)
        } else {
            self.prefix
        };
        write!(f, "{}/{prefix}", self.ip_text(self.addr))
    }
}

fn all_ones(bits: u32) -> u128 {
    if bits >= 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    }
}

fn mask(prefix: u32, bits: u32) -> u128 {
    let host = bits.saturating_sub(prefix);
    all_ones(bits) & !all_ones(host)
}

/// Go's IPv6 text: lower-case groups, the first longest run of two or more zero groups as `::`.
fn ipv6_text(addr: u128) -> String {
    let groups: Vec<u16> = (0..8).map(|i| (addr >> (112 - 16 * i)) as u16).collect();
    let (mut best, mut best_len) = (8, 0);
    let mut i = 0;
    while i < 8 {
        let run = groups[i..].iter().take_while(|g| **g == 0).count();
        if run > best_len && run >= 2 {
            (best, best_len) = (i, run);
        }
        i += run.max(1);
    }
    let hex = |gs: &[u16]| {
        gs.iter()
            .map(|g| format!("{g:x}"))
            .collect::<Vec<_>>()
            .join(":")
    };
    if best_len == 0 {
        return hex(&groups);
    }
    format!(
        "{}::{}",
        hex(&groups[..best]),
        hex(&groups[best + best_len..])
    )
}

fn parse_ipv4(s: &str) -> Option<u32> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut v = 0u32;
    for p in parts {
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: u32 = p.parse().ok()?;
        if n > 255 {
            return None;
        }
        v = (v << 8) | n;
    }
    Some(v)
}

fn parse_ipv6_groups(s: &str) -> Option<Vec<u16>> {
    if s.is_empty() {
        return Some(Vec::new());
    }
    let parts: Vec<&str> = s.split(':').collect();
    let mut groups = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        if i + 1 == parts.len() && p.contains('.') {
            let v4 = parse_ipv4(p)?;
            groups.push((v4 >> 16) as u16);
            groups.push(v4 as u16);
        } else {
            if p.is_empty() || p.len() > 4 {
                return None;
            }
            groups.push(u16::from_str_radix(p, 16).ok()?);
        }
    }
    Some(groups)
}

fn parse_ipv6(s: &str) -> Option<u128> {
    let groups = match s.split_once("::") {
        Some((head, tail)) => {
            let (h, t) = (parse_ipv6_groups(head)?, parse_ipv6_groups(tail)?);
            if h.len() + t.len() > 7 {
                return None;
            }
            let mut g = h;
            g.resize(8 - t.len(), 0);
            g.extend(t);
            g
        }
        None => parse_ipv6_groups(s)?,
    };
    if groups.len() != 8 {
        return None;
    }
    Some(
        groups
            .iter()
            .fold(0u128, |acc, g| (acc << 16) | u128::from(*g)),
    )
}

fn parse_cidr(s: &str) -> Result<Cidr, String> {
    let bad = || format!("invalid CIDR address: {s}");
    let (ip, prefix) = s.split_once('/').ok_or_else(bad)?;
    let (addr, len) = match parse_ipv4(ip) {
        Some(v4) => (u128::from(v4), 4),
        None => (parse_ipv6(ip).ok_or_else(bad)?, 16),
    };
    if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let prefix: u32 = prefix.parse().map_err(|_| bad())?;
    if prefix > len * 8 {
        return Err(bad());
    }
    let mut c = Cidr { addr, len, prefix };
    c.addr &= c.mask();
    Ok(c)
}

fn cidr_arg(a: &[Value], i: usize) -> Result<Cidr, FnError> {
    parse_cidr(&str_arg(a, i)?).map_err(|e| FnError::new(format!("invalid CIDR expression: {e}")))
}

fn bigint_arg(a: &[Value], i: usize) -> Result<BigInt, FnError> {
    num_arg(a, i)?
        .to_bigint()
        .ok_or_else(|| FnError::new("value must be a whole number"))
}

/// Go's `big.Int.Uint64`: the low 64 bits of the magnitude.
fn low_u64(n: &BigInt) -> u64 {
    let (_, digits) = n.to_u64_digits();
    digits.first().copied().unwrap_or(0)
}

/// go-cidr's `insertNumIntoIP`: ORs `num` (two's complement when negative) in above the
/// prefix, then keeps the magnitude's low bytes.
fn insert_num(c: &Cidr, num: &BigInt, prefix_len: u32) -> u128 {
    let shift = c.bits().saturating_sub(prefix_len);
    let combined = BigInt::from(c.addr) | (num << shift as usize);
    let bytes = combined.magnitude().to_bytes_be();
    let keep = bytes.len().saturating_sub(c.len as usize);
    bytes[keep..]
        .iter()
        .fold(0u128, |acc, b| (acc << 8) | u128::from(*b))
}

fn cidrhost(_: &FnContext, a: &[Value]) -> FnResult {
    let c = cidr_arg(a, 0)?;
    let mut num = bigint_arg(a, 1)?;
    let host_len = c.bits() - c.prefix;
    let max: BigInt = (BigInt::one() << host_len as usize) - 1;
    // Go converts through int64, so very large numbers wrap just as they do there.
    let mut check = BigInt::from(low_u64(&num) as i64);
    if num.is_negative() {
        check = -&num - 1;
        num = &max - &check;
    }
    if check > max {
        return Err(FnError::new(format!(
            "prefix of {} does not accommodate a host numbered {num}",
            c.prefix
        )));
    }
    // A mapped address counts as 32 bits wide here while its bytes stay 16, so go-cidr shifts
    // the host number up by 96 bits ("::ffff:10.0.0.0/120", 5 gives "0:5::ffff:a00:0").
    let width = if c.len == 4 || c.is_mapped() { 32 } else { 128 };
    str_val(c.ip_text(insert_num(&c, &num, width)))
}

fn cidrnetmask(_: &FnContext, a: &[Value]) -> FnResult {
    let c = cidr_arg(a, 0)?;
    if c.len == 16 && !c.is_mapped() {
        return Err(FnError::new(format!(
            "IPv6 addresses cannot have a netmask: {}",
            str_arg(a, 0)?
        )));
    }
    str_val(c.ip_text(c.mask()))
}

fn cidrsubnet(_: &FnContext, a: &[Value]) -> FnResult {
    let c = cidr_arg(a, 0)?;
    let newbits = int_arg(a, 1)?;
    let num = bigint_arg(a, 2)?;
    let new_prefix = i64::from(c.prefix) + newbits;
    if new_prefix > i64::from(c.bits()) {
        return Err(FnError::new(format!(
            "insufficient address space to extend prefix of {} by {newbits}",
            c.prefix
        )));
    }
    // Go computes `uint64(1<<uint64(newbits)) - 1`, which saturates for 64 or more bits.
    let max = match u32::try_from(newbits) {
        Ok(n) if n < 64 => (1u64 << n) - 1,
        _ => u64::MAX,
    };
    if low_u64(&num) > max {
        return Err(FnError::new(format!(
            "prefix extension of {newbits} does not accommodate a subnet numbered {num}"
        )));
    }
    let new_prefix = u32::try_from(new_prefix)
        .map_err(|_| FnError::arg(1, "prefix length must not be negative"))?;
    let addr = insert_num(&c, &num, new_prefix);
    str_val(
        Cidr {
            addr,
            prefix: new_prefix,
            ..c
        }
        .to_string(),
    )
}

fn cidrsubnets(_: &FnContext, a: &[Value]) -> FnResult {
    let base = parse_cidr(&str_arg(a, 0)?)
        .map_err(|e| FnError::arg(0, format!("invalid CIDR expression: {e}")))?;
    if a.len() == 1 {
        return Ok(Value::list(Type::String, Vec::new()));
    }
    let bits = base.bits();
    let first = i64::from(base.prefix) + int_arg(a, 1)?;
    let first = u32::try_from(first.clamp(0, i64::from(bits))).unwrap_or(bits);
    // Start just before the base prefix, so the first "next" subnet is at its start.
    let mut current = Cidr {
        addr: base.addr.wrapping_sub(1) & all_ones(bits) & mask(first, bits),
        prefix: first,
        ..base
    };
    let mut out = Vec::with_capacity(a.len() - 1);
    for i in 1..a.len() {
        let length = int_arg(a, i)?;
        if length < 1 {
            return Err(FnError::arg(i, "must extend prefix by at least one bit"));
        }
        if length > 32 {
            return Err(FnError::arg(
                i,
                "may not extend prefix by more than 32 bits",
            ));
        }
        let length = u32::try_from(length).unwrap_or(32) + base.prefix;
        if length > bits {
            let protocol = if base.len == 4 { "IPv4" } else { "IPv6" };
            return Err(FnError::arg(
                i,
                format!(
                    "would extend prefix to {length} bits, which is too long for an {protocol} address"
                ),
            ));
        }
        let next = next_subnet(&current, length);
        match next {
            Some(n) if base.contains(n.addr) => current = n,
            _ => {
                return Err(FnError::arg(
                    i,
                    format!(
                        "not enough remaining address space for a subnet with a prefix of {length} bits after {current}"
                    ),
                ));
            }
        }
        out.push(Value::string(current.to_string()));
    }
    Ok(Value::list(Type::String, out))
}

/// go-cidr's `NextSubnet`: the first prefix of `length` bits after `c`; `None` on wrapping.
fn next_subnet(c: &Cidr, length: u32) -> Option<Cidr> {
    let bits = c.bits();
    let m = mask(length, bits);
    let within = Cidr {
        addr: c.last() & m,
        prefix: length,
        ..c.clone()
    };
    let after = within.last().wrapping_add(1) & all_ones(bits);
    if after.is_zero() {
        return None;
    }
    Some(Cidr {
        addr: after & m,
        prefix: length,
        ..c.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::super::encoding::test_support::{eval_err, eval_ok};

    #[test]
    fn cidr_functions_match_terraform() {
        let cases = [
            ("cidrhost(\"10.0.1.0/24\", -2)", "\"10.0.1.254\""),
            ("cidrhost(\"192.168.0.0/20\", -1)", "\"192.168.15.255\""),
            (
                "cidrhost(\"::ffff:10.0.0.0/120\", 5)",
                "\"0:5::ffff:a00:0\"",
            ),
            ("cidrhost(\"::ffff:10.0.0.0/120\", 0)", "\"10.0.0.0\""),
            ("cidrhost(\"2001:db8::/120\", -1)", "\"2001:db8::ff\""),
            ("cidrhost(\"1:0:0:1:0:0:1:0/128\", 0)", "\"1::1:0:0:1:0\""),
            (
                "cidrhost(\"2001:db8::/32\", 4294967296)",
                "\"2001:db8::1:0:0\"",
            ),
            ("cidrnetmask(\"172.16.5.32/27\")", "\"255.255.255.224\""),
            ("cidrnetmask(\"0.0.0.0/0\")", "\"0.0.0.0\""),
            ("cidrsubnet(\"10.0.5.77/16\", 8, 3)", "\"10.0.3.0/24\""),
            (
                "cidrsubnet(\"fd00:fd12:3456:7890::/56\", 8, 255)",
                "\"fd00:fd12:3456:78ff::/64\"",
            ),
            ("cidrsubnet(\"fd00::/56\", 40, 1)", "\"fd00::1:0:0/96\""),
            ("cidrsubnet(\"10.0.0.0/16\", 8, -1)", "\"0.0.1.0/24\""),
            (
                "cidrsubnet(\"::ffff:10.0.0.0/104\", 8, 3)",
                "\"10.3.0.0/16\"",
            ),
            (
                "cidrsubnets(\"10.1.0.0/16\", 4, 4, 8, 4)",
                "[\"10.1.0.0/20\",\"10.1.16.0/20\",\"10.1.32.0/24\",\"10.1.48.0/20\"]",
            ),
            (
                "cidrsubnets(\"fd00::/48\", 16, 16, 8)",
                "[\"fd00::/64\",\"fd00:0:0:1::/64\",\"fd00:0:0:100::/56\"]",
            ),
        ];
        for (expr, want) in cases {
            assert_eq!(eval_ok(expr), want, "{expr}");
        }
    }

    #[test]
    fn cidr_errors_match_terraform() {
        let cases = [
            (
                "cidrsubnet(\"10.0.0.0/16\", 8, 256)",
                "prefix extension of 8 does not accommodate a subnet numbered 256",
            ),
            (
                "cidrsubnet(\"10.0.0.0/8\", 25, 1)",
                "insufficient address space to extend prefix of 8 by 25",
            ),
            (
                "cidrsubnet(\"10.0.0.0/33\", 8, 1)",
                "invalid CIDR expression: invalid CIDR address: 10.0.0.0/33",
            ),
            (
                "cidrhost(\"10.0.0.0/24\", -300)",
                "prefix of 24 does not accommodate a host numbered -44",
            ),
            (
                "cidrnetmask(\"fd00::/8\")",
                "IPv6 addresses cannot have a netmask: fd00::/8",
            ),
            (
                "cidrsubnets(\"10.0.0.0/30\", 1, 1, 1)",
                "not enough remaining address space for a subnet with a prefix of 31 bits after 10.0.0.2/31",
            ),
            (
                "cidrsubnets(\"10.0.0.0/30\", 3)",
                "would extend prefix to 33 bits, which is too long for an IPv4 address",
            ),
        ];
        for (expr, want) in cases {
            assert!(eval_err(expr).ends_with(want), "{expr}: {}", eval_err(expr));
        }
    }
}
