//! Numbers as Terraform has them: binary floating point of arbitrary precision, rounded to
//! nearest-even at every operation, with the precision carried by each value (512 bits for
//! literals and parsed text, 64 for counts and lengths, 53 for results of float64 maths).
//!
//! Modelling the precision, not just the value, is what makes `jsonencode(1/3)` and
//! `tostring(pow(2, 70))` produce Terraform's exact bytes.

use num_bigint::{BigInt, BigUint, Sign};
use num_integer::Integer;
use num_traits::{One, ToPrimitive, Zero};
use std::cmp::Ordering;
use std::fmt;

/// Precision of numbers parsed from text (literals, `tonumber`, JSON).
pub const PARSE_PREC: u32 = 512;
/// Precision of numbers made from machine integers (`length`, `count.index`).
pub const INT_PREC: u32 = 64;
/// Precision of numbers computed with float64 maths (`pow`, `log`).
pub const FLOAT_PREC: u32 = 53;

#[derive(Clone, Debug)]
pub struct Number {
    neg: bool,
    inf: bool,
    /// Odd or zero: the value is `mant * 2^exp`.
    mant: BigUint,
    exp: i64,
    prec: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberParseError;

impl Number {
    pub fn zero() -> Number {
        Number {
            neg: false,
            inf: false,
            mant: BigUint::zero(),
            exp: 0,
            prec: INT_PREC,
        }
    }

    pub fn infinity(neg: bool) -> Number {
        Number {
            neg,
            inf: true,
            mant: BigUint::zero(),
            exp: 0,
            prec: INT_PREC,
        }
    }

    pub fn from_i64(v: i64) -> Number {
        Number::from_parts(v < 0, BigUint::from(v.unsigned_abs()), 0, INT_PREC)
    }

    pub fn from_u64(v: u64) -> Number {
        Number::from_parts(false, BigUint::from(v), 0, INT_PREC)
    }

    pub fn from_usize(v: usize) -> Number {
        Number::from_u64(v as u64)
    }

    pub fn from_bigint(v: &BigInt) -> Number {
        let prec = (v.bits() as u32).max(INT_PREC);
        Number::from_parts(v.sign() == Sign::Minus, v.magnitude().clone(), 0, prec)
    }

    /// A float64 result; NaN is the caller's to reject.
    pub fn from_f64(v: f64) -> Number {
        if v.is_infinite() {
            return Number::infinity(v < 0.0);
        }
        if v == 0.0 {
            return Number {
                prec: FLOAT_PREC,
                ..Number::zero()
            };
        }
        let bits = v.to_bits();
        let neg = bits >> 63 == 1;
        let biased = ((bits >> 52) & 0x7ff) as i64;
        let frac = bits & ((1u64 << 52) - 1);
        let (mant, exp) = if biased == 0 {
            (frac, -1074)
        } else {
            (frac | (1u64 << 52), biased - 1075)
        };
        Number::from_parts(neg, BigUint::from(mant), exp, FLOAT_PREC)
    }

    fn from_parts(neg: bool, mant: BigUint, exp: i64, prec: u32) -> Number {
        let mut n = Number {
            neg,
            inf: false,
            mant,
            exp,
            prec,
        };
        n.round_to_prec();
        n
    }

    /// `num / den * 2^exp`, rounded to `prec` bits.
    fn from_ratio(neg: bool, num: BigUint, den: &BigUint, exp: i64, prec: u32) -> Number {
        if num.is_zero() {
            return Number {
                prec,
                ..Number::zero()
            };
        }
        // Scale the numerator so the quotient carries prec + 2 bits, then fold the remainder
        // into a sticky bit so round-half-even sees whether anything was cut off.
        let want = i64::from(prec) + 2;
        let shift = (want - (num.bits() as i64 - den.bits() as i64)).max(0);
        let scaled = num << (shift as usize);
        let (q, r) = scaled.div_rem(den);
        let q = if r.is_zero() {
            q << 1usize
        } else {
            (q << 1usize) | BigUint::one()
        };
        Number::from_parts(neg, q, exp - shift - 1, prec)
    }

    fn round_to_prec(&mut self) {
        if self.mant.is_zero() {
            // Zero keeps its sign, as Go's big.Float does: -0.0 prints "-0".
            self.exp = 0;
            return;
        }
        let bits = self.mant.bits();
        if bits > u64::from(self.prec) {
            let drop = bits - u64::from(self.prec);
            let half = BigUint::one() << (drop - 1);
            let mask = (BigUint::one() << drop) - BigUint::one();
            let rest = &self.mant & &mask;
            let mut kept = &self.mant >> drop;
            let round_up = match rest.cmp(&half) {
                Ordering::Greater => true,
                Ordering::Less => false,
                Ordering::Equal => kept.bit(0),
            };
            if round_up {
                kept += 1u32;
            }
            self.mant = kept;
            self.exp += drop as i64;
        }
        let tz = self.mant.trailing_zeros().unwrap_or(0);
        if tz > 0 {
            self.mant >>= tz;
            self.exp += tz as i64;
        }
    }

    /// Parses decimal text the way Terraform reads number literals and `tonumber` input.
    pub fn parse(text: &str) -> Result<Number, NumberParseError> {
        let t = text.trim();
        let (neg, body) = match t.as_bytes().first() {
            Some(b'-') => (true, &t[1..]),
            Some(b'+') => (false, &t[1..]),
            _ => (false, t),
        };
        if body.eq_ignore_ascii_case("inf") || body.eq_ignore_ascii_case("infinity") {
            return Ok(Number::infinity(neg));
        }
        let (mantissa, exp10) = match body.find(['e', 'E']) {
            Some(i) => {
                let e: i64 = body[i + 1..].parse().map_err(|_| NumberParseError)?;
                (&body[..i], e)
            }
            None => (body, 0),
        };
        let (int_part, frac_part) = match mantissa.find('.') {
            Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
            None => (mantissa, ""),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(NumberParseError);
        }
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(int_part) || !all_digits(frac_part) {
            return Err(NumberParseError);
        }
        if exp10.abs() > 100_000 {
            return Err(NumberParseError);
        }
        let digits = format!("{int_part}{frac_part}");
        let mant = BigUint::parse_bytes(digits.as_bytes(), 10).unwrap_or_default();
        let exp10 = exp10 - frac_part.len() as i64;
        Ok(if exp10 >= 0 {
            Number::from_parts(neg, mant * pow10(exp10 as u32), 0, PARSE_PREC)
        } else {
            Number::from_ratio(neg, mant, &pow10((-exp10) as u32), 0, PARSE_PREC)
        })
    }

    pub fn is_zero(&self) -> bool {
        !self.inf && self.mant.is_zero()
    }

    pub fn is_negative(&self) -> bool {
        self.neg
    }

    pub fn is_infinite(&self) -> bool {
        self.inf
    }

    pub fn is_integer(&self) -> bool {
        !self.inf && (self.mant.is_zero() || self.exp >= 0)
    }

    /// The integer value when the number is whole, else `None`.
    pub fn to_bigint(&self) -> Option<BigInt> {
        if !self.is_integer() {
            return None;
        }
        let mag = &self.mant << (self.exp.max(0) as usize);
        Some(BigInt::from_biguint(
            if self.neg { Sign::Minus } else { Sign::Plus },
            mag,
        ))
    }

    pub fn to_i64(&self) -> Option<i64> {
        self.to_bigint().and_then(|b| b.to_i64())
    }

    /// Truncates toward zero, as Go's `big.Float.Int` does.
    pub fn trunc(&self) -> BigInt {
        if self.exp >= 0 {
            return self.to_bigint().unwrap_or_default();
        }
        let mag = &self.mant >> ((-self.exp) as usize);
        BigInt::from_biguint(if self.neg { Sign::Minus } else { Sign::Plus }, mag)
    }

    pub fn to_f64(&self) -> f64 {
        if self.inf {
            return if self.neg {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            };
        }
        let rounded = Number::from_parts(self.neg, self.mant.clone(), self.exp, FLOAT_PREC);
        let m = rounded.mant.to_f64().unwrap_or(f64::INFINITY);
        let v = m * 2f64.powi(rounded.exp.clamp(-2000, 2000) as i32);
        if rounded.neg { -v } else { v }
    }

    pub fn neg(&self) -> Number {
        let mut n = self.clone();
        n.neg = !n.neg;
        n
    }

    pub fn abs(&self) -> Number {
        let mut n = self.clone();
        n.neg = false;
        n
    }

    pub fn add(&self, other: &Number) -> Number {
        let prec = self.prec.max(other.prec);
        if self.inf || other.inf {
            return if self.inf {
                self.clone()
            } else {
                other.clone()
            };
        }
        let exp = self.exp.min(other.exp);
        let a = signed(self.neg, &self.mant << ((self.exp - exp) as usize));
        let b = signed(other.neg, &other.mant << ((other.exp - exp) as usize));
        let sum = a + b;
        // An exact zero sum is +0 unless both operands were -0 (IEEE and Go agree).
        let neg = if sum.sign() == Sign::NoSign {
            self.neg && other.neg
        } else {
            sum.sign() == Sign::Minus
        };
        Number::from_parts(neg, sum.magnitude().clone(), exp, prec)
    }

    pub fn sub(&self, other: &Number) -> Number {
        self.add(&other.neg())
    }

    pub fn mul(&self, other: &Number) -> Number {
        let prec = self.prec.max(other.prec);
        let neg = self.neg != other.neg;
        if self.inf || other.inf {
            return Number::infinity(neg);
        }
        Number::from_parts(neg, &self.mant * &other.mant, self.exp + other.exp, prec)
    }

    /// Division; `None` when dividing by zero.
    pub fn div(&self, other: &Number) -> Option<Number> {
        if other.is_zero() {
            return None;
        }
        let prec = self.prec.max(other.prec);
        let neg = self.neg != other.neg;
        if self.inf {
            return Some(Number::infinity(neg));
        }
        if other.inf {
            return Some(Number {
                prec,
                ..Number::zero()
            });
        }
        Some(Number::from_ratio(
            neg,
            self.mant.clone(),
            &other.mant,
            self.exp - other.exp,
            prec,
        ))
    }

    /// Remainder with the sign of the dividend; `None` when dividing by zero.
    pub fn rem(&self, other: &Number) -> Option<Number> {
        if other.is_zero() {
            return None;
        }
        match (self.to_bigint(), other.to_bigint()) {
            (Some(a), Some(b)) => Some(Number::from_bigint(&(a % b))),
            _ => Some(Number::from_f64(self.to_f64() % other.to_f64())),
        }
    }

    pub fn floor(&self) -> Number {
        if self.inf || self.is_integer() {
            return self.clone();
        }
        let t = self.trunc();
        Number::from_bigint(&if self.neg { t - 1 } else { t })
    }

    pub fn ceil(&self) -> Number {
        if self.inf || self.is_integer() {
            return self.clone();
        }
        let t = self.trunc();
        Number::from_bigint(&if self.neg { t } else { t + 1 })
    }

    /// Decimal text without exponent, the shortest that reads back to the same number at this
    /// number's precision (Go's `Text('f', -1)`), which is how Terraform prints numbers.
    pub fn to_text(&self) -> String {
        if self.inf {
            return if self.neg {
                "-Inf".into()
            } else {
                "+Inf".into()
            };
        }
        if self.mant.is_zero() {
            return if self.neg { "-0".into() } else { "0".into() };
        }
        let (digits, dp) = self.shortest_decimal();
        let mut s = String::new();
        if self.neg {
            s.push('-');
        }
        if dp <= 0 {
            s.push_str("0.");
            s.extend(std::iter::repeat_n('0', (-dp) as usize));
            s.push_str(&digits);
        } else if (dp as usize) >= digits.len() {
            s.push_str(&digits);
            s.extend(std::iter::repeat_n('0', dp as usize - digits.len()));
        } else {
            s.push_str(&digits[..dp as usize]);
            s.push('.');
            s.push_str(&digits[dp as usize..]);
        }
        s
    }

    /// Digits (no leading or trailing zeros) and the decimal point position: value = 0.DIGITS × 10^dp.
    fn shortest_decimal(&self) -> (String, i64) {
        let (digits, dp) = exact_decimal(&self.mant, self.exp);
        // A whole number below 2^prec has an ulp of at most 1: its exact digits are shortest.
        if self.is_integer() && self.mant.bits() as i64 + self.exp <= i64::from(self.prec) {
            return (digits, dp);
        }
        // Express the value with exactly prec bits: M * 2^E, then the neighbours' midpoints
        // (2M ± 1) * 2^(E-1) bound the decimals that read back to it.
        let shift = i64::from(self.prec) - self.mant.bits() as i64;
        let (m, e) = if shift >= 0 {
            (&self.mant << (shift as usize), self.exp - shift)
        } else {
            (self.mant.clone(), self.exp)
        };
        let inclusive = !m.bit(0);
        let m2: BigUint = &m << 1usize;
        let lower = exact_decimal(&(&m2 - 1u32), e - 1);
        let upper = exact_decimal(&(&m2 + 1u32), e - 1);
        let d = digits.as_bytes();
        let at = |s: &(String, i64), i: usize| -> u8 {
            // Digit i of `d` stands for 10^(dp-1-i); find the same power in `s`.
            let idx = i as i64 + (s.1 - dp);
            if idx < 0 {
                b'0'
            } else {
                *s.0.as_bytes().get(idx as usize).unwrap_or(&b'0')
            }
        };
        for (i, &digit) in d.iter().enumerate() {
            let l = at(&lower, i);
            let u = at(&upper, i);
            let lower_len = (lower.0.len() as i64 - (lower.1 - dp)) as usize;
            let upper_len = (upper.0.len() as i64 - (upper.1 - dp)) as usize;
            let okdown = l != digit || (inclusive && i + 1 == lower_len);
            let okup = digit != u && (inclusive || digit + 1 < u || i + 1 < upper_len);
            if okdown && okup {
                return round_half_up(d, i + 1, dp);
            } else if okdown {
                return trim(&d[..i + 1], dp);
            } else if okup {
                return round_up(d, i + 1, dp);
            }
        }
        (digits, dp)
    }

    /// Fixed-point text with `frac` digits after the point, rounding the exact binary value
    /// half-to-even as Go's `Text('f', frac)` does (so 2.675 gives "2.67").
    pub fn to_fixed(&self, frac: usize) -> String {
        if self.inf {
            return self.to_text();
        }
        let (digits, dp) = if self.mant.is_zero() {
            (String::new(), 0)
        } else {
            exact_decimal(&self.mant, self.exp)
        };
        // Keep dp + frac digits.
        let keep = dp + frac as i64;
        let d = digits.as_bytes();
        let (kept, carry_dp) = if keep < 0 {
            (Vec::new(), dp)
        } else if (keep as usize) >= d.len() {
            (d.to_vec(), dp)
        } else {
            let k = keep as usize;
            let rest = &d[k..];
            let up = match rest[0].cmp(&b'5') {
                Ordering::Greater => true,
                Ordering::Less => false,
                Ordering::Equal => {
                    rest[1..].iter().any(|&c| c != b'0') || (k > 0 && (d[k - 1] - b'0') % 2 == 1)
                }
            };
            if up {
                let (s, ndp) = round_up(d, k, dp);
                (s.into_bytes(), ndp)
            } else {
                (d[..k].to_vec(), dp)
            }
        };
        // Lay the digits out around the decimal point.
        let digit_at = |pos: i64| -> char {
            // pos: power index, digit i of `kept` stands for 10^(carry_dp-1-i)
            let i = carry_dp - 1 - pos;
            if i >= 0 && (i as usize) < kept.len() {
                kept[i as usize] as char
            } else {
                '0'
            }
        };
        let mut s = String::new();
        let top = (carry_dp - 1).max(0);
        for p in (0..=top).rev() {
            s.push(digit_at(p));
        }
        if frac > 0 {
            s.push('.');
            for p in 1..=frac as i64 {
                s.push(digit_at(-p));
            }
        }
        if self.neg {
            s.insert(0, '-');
        }
        s
    }

    pub fn cmp_num(&self, other: &Number) -> Ordering {
        let sv = |n: &Number| -> i8 {
            if n.is_zero() {
                0
            } else if n.neg {
                -1
            } else {
                1
            }
        };
        match (self.inf, other.inf) {
            (true, true) => return sv(self).cmp(&sv(other)),
            (true, false) => {
                return if self.neg {
                    Ordering::Less
                } else {
                    Ordering::Greater
                };
            }
            (false, true) => {
                return if other.neg {
                    Ordering::Greater
                } else {
                    Ordering::Less
                };
            }
            _ => {}
        }
        let exp = self.exp.min(other.exp);
        let a = signed(self.neg, &self.mant << ((self.exp - exp) as usize));
        let b = signed(other.neg, &other.mant << ((other.exp - exp) as usize));
        a.cmp(&b)
    }
}

impl PartialEq for Number {
    fn eq(&self, other: &Number) -> bool {
        self.cmp_num(other) == Ordering::Equal
    }
}
impl Eq for Number {}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

fn signed(neg: bool, mag: BigUint) -> BigInt {
    BigInt::from_biguint(if neg { Sign::Minus } else { Sign::Plus }, mag)
}

fn pow10(n: u32) -> BigUint {
    num_traits::pow(BigUint::from(10u32), n as usize)
}

/// Exact decimal digits of `mant * 2^exp` (mant > 0): digits without leading/trailing zeros and
/// the decimal point position.
fn exact_decimal(mant: &BigUint, exp: i64) -> (String, i64) {
    let (int, frac_digits) = if exp >= 0 {
        (mant << (exp as usize), 0i64)
    } else {
        // mant / 2^k = mant * 5^k / 10^k
        let k = (-exp) as u32;
        (
            mant * num_traits::pow(BigUint::from(5u32), k as usize),
            i64::from(k),
        )
    };
    let s = int.to_str_radix(10);
    let dp = s.len() as i64 - frac_digits;
    trim(s.as_bytes(), dp)
}

fn trim(d: &[u8], dp: i64) -> (String, i64) {
    let start = d.iter().position(|&c| c != b'0').unwrap_or(d.len());
    let end = d.iter().rposition(|&c| c != b'0').map_or(start, |i| i + 1);
    if start >= end {
        return (String::new(), 0);
    }
    (
        String::from_utf8_lossy(&d[start..end]).into_owned(),
        dp - start as i64,
    )
}

fn round_half_up(d: &[u8], n: usize, dp: i64) -> (String, i64) {
    if n < d.len() && d[n] >= b'5' {
        round_up(d, n, dp)
    } else {
        trim(&d[..n], dp)
    }
}

fn round_up(d: &[u8], n: usize, dp: i64) -> (String, i64) {
    let mut v: Vec<u8> = d[..n].to_vec();
    let mut i = n;
    while i > 0 {
        i -= 1;
        if v[i] < b'9' {
            v[i] += 1;
            return trim(&v[..=i], dp);
        }
    }
    (String::from("1"), dp + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> String {
        Number::parse(s).unwrap().to_text()
    }

    #[test]
    fn integers_beyond_2_pow_53_are_exact() {
        assert_eq!(t("9007199254740993"), "9007199254740993");
        let n = Number::parse("9007199254740993").unwrap();
        assert_eq!(n.mul(&Number::from_i64(2)).to_text(), "18014398509481986");
    }

    #[test]
    fn decimal_literals_print_as_written() {
        assert_eq!(t("0.1"), "0.1");
        assert_eq!(t("1e3"), "1000");
        assert_eq!(t("-0.000001"), "-0.000001");
        assert_eq!(t("1e20"), "100000000000000000000");
        let sum = Number::parse("0.1")
            .unwrap()
            .add(&Number::parse("0.2").unwrap());
        assert_eq!(sum.to_text(), "0.3");
    }

    #[test]
    fn one_third_has_terraforms_512_bit_digits() {
        let third = Number::parse("1")
            .unwrap()
            .div(&Number::parse("3").unwrap())
            .unwrap();
        let expected = format!("0.{}5", "3".repeat(154));
        assert_eq!(third.to_text(), expected);
    }

    #[test]
    fn float64_results_print_shortest_at_53_bits() {
        assert_eq!(
            Number::from_f64(2f64.powi(70)).to_text(),
            "1180591620717411300000"
        );
        assert_eq!(Number::from_f64(0.1).to_text(), "0.1");
        assert_eq!(Number::from_f64(3.5).to_text(), "3.5");
    }

    #[test]
    fn rejects_garbage() {
        assert!(Number::parse("1x").is_err());
        assert!(Number::parse("").is_err());
        assert!(Number::parse(".").is_err());
    }
}
