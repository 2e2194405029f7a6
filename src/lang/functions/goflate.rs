//! A DEFLATE compressor that reproduces, bit for bit, what Go's `compress/flate` writer emits at
//! its default level (6) for one `Write` of the whole input followed by `Flush` and `Close`.
//!
//! Terraform's `base64gzip` is built on that writer, and any other DEFLATE implementation picks
//! different matches and different Huffman tables, so the bytes would differ even though they
//! decompress to the same text. Everything that influences the output is reproduced here: the
//! lazy matcher with its hash chains and 64 KiB sliding buffer, the rule for cutting blocks, the
//! choice between stored, fixed and dynamic blocks by their computed bit cost, the length-limited
//! Huffman construction (including how ties between equal frequencies are broken) and the
//! run-length coding of the code-length tables. The level 1 and Huffman-only paths of Go's
//! package are not needed at level 6 and are left out.

// ---- Parameters of level 6 ----

const WINDOW_SIZE: isize = 1 << 15;
const WINDOW_MASK: isize = WINDOW_SIZE - 1;
/// The buffer holds two windows; once the cursor passes this point the upper half is moved down.
const SHIFT_THRESHOLD: isize = 2 * WINDOW_SIZE - (MIN_MATCH + MAX_MATCH);
/// Go never emits matches shorter than four bytes, although DEFLATE allows three.
const MIN_MATCH: isize = 4;
const MAX_MATCH: isize = 258;
/// A block is cut once this many symbols have been collected.
const MAX_BLOCK_TOKENS: usize = 1 << 14;
const MAX_STORED_BLOCK: usize = 65535;
const HASH_BITS: u32 = 17;
const HASH_SIZE: usize = 1 << HASH_BITS;
const HASH_MASK: u32 = (1 << HASH_BITS) - 1;
/// When the running position offset grows past this, every stored chain entry is rebased.
const MAX_HASH_OFFSET: isize = 1 << 24;
const HASH_MUL: u32 = 0x1e35a7bd;

/// Once the previous match is at least this long only a quarter of the chain is searched.
const GOOD_LENGTH: isize = 8;
/// A match at least this long is taken without looking for a better one at the next byte.
const LAZY_LENGTH: isize = 16;
/// A match at least this long ends the chain search.
const NICE_LENGTH: isize = 128;
/// How many chain entries are examined at most.
const MAX_CHAIN: usize = 128;

// ---- DEFLATE alphabet tables ----

const END_OF_BLOCK: usize = 256;
const FIRST_LENGTH_CODE: usize = 257;
const LITERAL_CODE_COUNT: usize = 286;
const DISTANCE_CODE_COUNT: usize = 30;
const CODE_LENGTH_CODE_COUNT: usize = 19;
/// Terminates the run-length coded code-length sequence.
const END_OF_CODE_LENGTHS: u8 = 255;

const LENGTH_EXTRA_BITS: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
/// Smallest (length - 3) of each length code.
const LENGTH_BASE: [u32; 29] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 56, 64, 80, 96, 112, 128,
    160, 192, 224, 255,
];
const DISTANCE_EXTRA_BITS: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];
/// Smallest (distance - 1) of each distance code.
const DISTANCE_BASE: [u32; 30] = [
    0x0000, 0x0001, 0x0002, 0x0003, 0x0004, 0x0006, 0x0008, 0x000c, 0x0010, 0x0018, 0x0020, 0x0030,
    0x0040, 0x0060, 0x0080, 0x00c0, 0x0100, 0x0180, 0x0200, 0x0300, 0x0400, 0x0600, 0x0800, 0x0c00,
    0x1000, 0x1800, 0x2000, 0x3000, 0x4000, 0x6000,
];
/// The order in which the code-length code lengths are transmitted (RFC 1951 3.2.7).
const CODE_LENGTH_ORDER: [usize; 19] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

/// Length code (0-based, before adding 257) for each (length - 3).
const LENGTH_CODE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut xlen = 0;
    while xlen < 256 {
        let mut code = 0;
        while code + 1 < LENGTH_BASE.len() && LENGTH_BASE[code + 1] <= xlen as u32 {
            code += 1;
        }
        table[xlen] = code as u8;
        xlen += 1;
    }
    table
};

/// Distance code for (distance - 1).
fn distance_code(xdist: u32) -> usize {
    if xdist < 4 {
        xdist as usize
    } else {
        let top = 31 - xdist.leading_zeros();
        (2 * top + ((xdist >> (top - 1)) & 1)) as usize
    }
}

/// One LZ77 symbol: a literal byte (or the end-of-block marker), or a back-reference stored as
/// (length - 3, distance - 1).
#[derive(Clone, Copy)]
enum Token {
    Literal(u16),
    Match { xlen: u16, xdist: u16 },
}

/// Compresses `data` exactly as Go's `flate.NewWriter(w, flate.DefaultCompression)` followed by
/// `Write(data)`, `Flush()` and `Close()` does, returning the raw DEFLATE stream.
pub fn deflate_go(data: &[u8]) -> Vec<u8> {
    let mut c = Compressor::new();
    c.write(data);
    c.finish_block(false);
    c.finish_block(true);
    c.out.into_bytes()
}

// ---- The match finder ----

struct Compressor {
    out: BitWriter,
    /// Two windows' worth of input; unprocessed bytes are `window[index..window_end]`.
    window: Vec<u8>,
    window_end: isize,
    index: isize,
    /// Where the bytes covered by the pending tokens begin, or `i32::MAX` once they have been
    /// shifted out of the buffer (the block can then no longer be stored verbatim).
    block_start: isize,
    /// The byte before `index` has been looked at but not yet emitted (lazy matching).
    byte_available: bool,
    /// For each hash, the newest position (plus `hash_offset`) that had it; 0 means none.
    hash_head: Vec<u32>,
    /// For each position modulo the window, the previous position with the same hash.
    hash_prev: Vec<u32>,
    hash_offset: isize,
    chain_head: isize,
    tokens: Vec<Token>,
    /// The match found at the previous position, carried over for the lazy decision.
    length: isize,
    distance: isize,
    max_insert_index: isize,
    /// Set while flushing or closing: process everything, including the last few bytes.
    sync: bool,
}

fn hash4(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]]).wrapping_mul(HASH_MUL) >> (32 - HASH_BITS)
}

fn common_prefix(a: &[u8], b: &[u8], limit: usize) -> usize {
    a[..limit]
        .iter()
        .zip(&b[..limit])
        .take_while(|(x, y)| x == y)
        .count()
}

impl Compressor {
    fn new() -> Compressor {
        Compressor {
            out: BitWriter::new(),
            window: vec![0; 2 * WINDOW_SIZE as usize],
            window_end: 0,
            index: 0,
            block_start: 0,
            byte_available: false,
            hash_head: vec![0; HASH_SIZE],
            hash_prev: vec![0; WINDOW_SIZE as usize],
            hash_offset: 1,
            chain_head: -1,
            tokens: Vec::with_capacity(MAX_BLOCK_TOKENS + 1),
            length: MIN_MATCH - 1,
            distance: 0,
            max_insert_index: 0,
            sync: false,
        }
    }

    fn write(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            self.step();
            let n = self.fill(data);
            data = &data[n..];
        }
    }

    /// Go's `Flush` (`last == false`) or `Close` (`last == true`): compress whatever is left,
    /// then emit an empty stored block, final on close, and pad to a byte boundary.
    fn finish_block(&mut self, last: bool) {
        self.sync = true;
        self.step();
        self.out.stored_header(0, last);
        self.out.pad_to_byte();
        self.sync = false;
    }

    /// Copies as much of `data` into the buffer as fits, first sliding the buffer down by one
    /// window when the cursor has moved into its upper end.
    fn fill(&mut self, data: &[u8]) -> usize {
        if self.index >= SHIFT_THRESHOLD {
            let ws = WINDOW_SIZE as usize;
            self.window.copy_within(ws..2 * ws, 0);
            self.index -= WINDOW_SIZE;
            self.window_end -= WINDOW_SIZE;
            if self.block_start >= WINDOW_SIZE {
                self.block_start -= WINDOW_SIZE;
            } else {
                self.block_start = i32::MAX as isize;
            }
            self.hash_offset += WINDOW_SIZE;
            if self.hash_offset > MAX_HASH_OFFSET {
                let delta = self.hash_offset - 1;
                self.hash_offset -= delta;
                self.chain_head -= delta;
                let rebase = |v: &mut u32| {
                    *v = if *v as isize > delta {
                        (*v as isize - delta) as u32
                    } else {
                        0
                    };
                };
                self.hash_prev.iter_mut().for_each(rebase);
                self.hash_head.iter_mut().for_each(rebase);
            }
        }
        let start = self.window_end as usize;
        let n = data.len().min(self.window.len() - start);
        self.window[start..start + n].copy_from_slice(&data[..n]);
        self.window_end += n as isize;
        n
    }

    fn insert_hash(&mut self, pos: isize) {
        let p = pos as usize;
        let h = (hash4(&self.window[p..p + 4]) & HASH_MASK) as usize;
        self.hash_prev[(pos & WINDOW_MASK) as usize] = self.hash_head[h];
        self.hash_head[h] = (pos + self.hash_offset) as u32;
    }

    /// Hands the pending tokens to the block writer. The block's source bytes run from
    /// `block_start` to `end`; they are offered for a stored block only while still buffered.
    fn emit_block(&mut self, end: isize) {
        if end > 0 {
            let source = (self.block_start <= end)
                .then(|| &self.window[self.block_start as usize..end as usize]);
            self.out.write_block(&self.tokens, false, source);
            self.block_start = end;
        }
        self.tokens.clear();
    }

    /// Runs the lazy matcher over the buffered input. Without `sync` it stops while a full
    /// maximum-length match plus a hash's worth of bytes is still ahead, so that matches are
    /// never cut short by the end of what has been buffered so far.
    fn step(&mut self) {
        if self.window_end - self.index < MIN_MATCH + MAX_MATCH && !self.sync {
            return;
        }
        self.max_insert_index = self.window_end - (MIN_MATCH - 1);
        loop {
            let lookahead = self.window_end - self.index;
            if lookahead < MIN_MATCH + MAX_MATCH {
                if !self.sync {
                    break;
                }
                if lookahead == 0 {
                    if self.byte_available {
                        let b = self.window[self.index as usize - 1];
                        self.tokens.push(Token::Literal(b as u16));
                        self.byte_available = false;
                    }
                    if !self.tokens.is_empty() {
                        self.emit_block(self.index);
                    }
                    break;
                }
            }
            if self.index < self.max_insert_index {
                let p = self.index as usize;
                let h = (hash4(&self.window[p..p + 4]) & HASH_MASK) as usize;
                self.chain_head = self.hash_head[h] as isize;
                self.hash_prev[(self.index & WINDOW_MASK) as usize] = self.chain_head as u32;
                self.hash_head[h] = (self.index + self.hash_offset) as u32;
            }
            let prev_length = self.length;
            let prev_distance = self.distance;
            self.length = MIN_MATCH - 1;
            self.distance = 0;
            let min_index = (self.index - WINDOW_SIZE).max(0);
            let candidate = self.chain_head - self.hash_offset;
            if candidate >= min_index
                && lookahead > prev_length
                && prev_length < LAZY_LENGTH
                && let Some((len, dist)) =
                    self.find_match(self.index, candidate, MIN_MATCH - 1, lookahead)
            {
                self.length = len;
                self.distance = dist;
            }
            if prev_length >= MIN_MATCH && self.length <= prev_length {
                // The match that started one byte back is at least as good: take it, and hash
                // every position it covers that has not been hashed yet.
                self.tokens.push(Token::Match {
                    xlen: (prev_length - 3) as u16,
                    xdist: (prev_distance - 1) as u16,
                });
                let resume = self.index + prev_length - 1;
                self.index += 1;
                while self.index < resume {
                    if self.index < self.max_insert_index {
                        self.insert_hash(self.index);
                    }
                    self.index += 1;
                }
                self.byte_available = false;
                self.length = MIN_MATCH - 1;
                if self.tokens.len() == MAX_BLOCK_TOKENS {
                    self.emit_block(self.index);
                }
            } else {
                if self.byte_available {
                    let i = self.index - 1;
                    self.tokens
                        .push(Token::Literal(self.window[i as usize] as u16));
                    if self.tokens.len() == MAX_BLOCK_TOKENS {
                        self.emit_block(i + 1);
                    }
                }
                self.index += 1;
                self.byte_available = true;
            }
        }
    }

    /// Walks the hash chain from `head` looking for a match at `pos` longer than `min_len`.
    /// Returns the longest one found as (length, distance).
    fn find_match(
        &self,
        pos: isize,
        head: isize,
        min_len: isize,
        lookahead: isize,
    ) -> Option<(isize, isize)> {
        let max_len = MAX_MATCH.min(lookahead);
        let nice = max_len.min(NICE_LENGTH);
        let mut tries = MAX_CHAIN;
        let mut length = min_len;
        if length >= GOOD_LENGTH {
            tries >>= 2;
        }
        let w = &self.window;
        let mut end_byte = w[(pos + length) as usize];
        let lowest = pos - WINDOW_SIZE;
        let mut best = None;
        let mut i = head;
        while tries > 0 {
            if end_byte == w[(i + length) as usize] {
                let n =
                    common_prefix(&w[i as usize..], &w[pos as usize..], max_len as usize) as isize;
                // A bare four-byte match is only worth it when it is not too far back.
                if n > length && (n > MIN_MATCH || pos - i <= 4096) {
                    length = n;
                    best = Some((n, pos - i));
                    if n >= nice {
                        break;
                    }
                    end_byte = w[(pos + n) as usize];
                }
            }
            if i == lowest {
                break;
            }
            i = self.hash_prev[(i & WINDOW_MASK) as usize] as isize - self.hash_offset;
            if i < lowest || i < 0 {
                break;
            }
            tries -= 1;
        }
        best
    }
}

// ---- Huffman code construction ----

#[derive(Clone, Copy)]
struct Leaf {
    symbol: u16,
    freq: i32,
}

/// Per-depth state of the package-merge style length-limited construction.
#[derive(Clone, Copy, Default)]
struct Depth {
    last_freq: i32,
    next_leaf_freq: i32,
    next_pair_freq: i32,
    needed: i32,
}

/// A canonical Huffman code over `len.len()` symbols; `code` holds bit-reversed codes ready to
/// be written least-significant bit first.
struct HuffmanCode {
    code: Vec<u16>,
    len: Vec<u16>,
}

fn reverse_bits(value: u16, width: u16) -> u16 {
    (value << (16 - width)).reverse_bits()
}

impl HuffmanCode {
    fn new(size: usize) -> HuffmanCode {
        HuffmanCode {
            code: vec![0; size],
            len: vec![0; size],
        }
    }

    fn fixed_literals() -> HuffmanCode {
        let mut h = HuffmanCode::new(LITERAL_CODE_COUNT);
        for sym in 0..LITERAL_CODE_COUNT as u16 {
            let (bits, width) = match sym {
                0..144 => (sym + 48, 8),
                144..256 => (sym + 400 - 144, 9),
                256..280 => (sym - 256, 7),
                _ => (sym + 192 - 280, 8),
            };
            h.code[sym as usize] = reverse_bits(bits, width);
            h.len[sym as usize] = width;
        }
        h
    }

    fn fixed_distances() -> HuffmanCode {
        let mut h = HuffmanCode::new(DISTANCE_CODE_COUNT);
        for sym in 0..DISTANCE_CODE_COUNT {
            h.code[sym] = reverse_bits(sym as u16, 5);
            h.len[sym] = 5;
        }
        h
    }

    /// Total bits needed to code symbols with the given frequencies.
    fn cost(&self, freq: &[i32]) -> i64 {
        freq.iter()
            .zip(&self.len)
            .map(|(&f, &l)| f as i64 * l as i64)
            .sum()
    }

    /// Builds the code for `freq` with no code longer than `max_bits`.
    fn build(&mut self, freq: &[i32], max_bits: i32) {
        let mut leaves: Vec<Leaf> = Vec::with_capacity(freq.len() + 1);
        for (sym, &f) in freq.iter().enumerate() {
            if f != 0 {
                leaves.push(Leaf {
                    symbol: sym as u16,
                    freq: f,
                });
            } else {
                self.len[sym] = 0;
            }
        }
        if leaves.len() <= 2 {
            // One or two symbols: each gets a one-bit code, numbered in symbol order.
            for (i, leaf) in leaves.iter().enumerate() {
                self.code[leaf.symbol as usize] = i as u16;
                self.len[leaf.symbol as usize] = 1;
            }
            return;
        }
        // Rarest first; equal frequencies ordered by symbol (a total order, so no sort
        // stability question arises).
        leaves.sort_unstable_by_key(|l| (l.freq, l.symbol));
        let per_length = length_counts(&mut leaves, max_bits);
        self.assign(&per_length, &leaves);
    }

    /// Gives the rarest symbols the longest codes; within one code length, codes are handed out
    /// in increasing symbol order (canonical Huffman coding, RFC 1951 3.2.2).
    fn assign(&mut self, per_length: &[i32], leaves: &[Leaf]) {
        let mut code: u16 = 0;
        let mut remaining = leaves.len();
        let mut chunk: Vec<Leaf> = Vec::new();
        for (bits, &count) in per_length.iter().enumerate() {
            code <<= 1;
            if bits == 0 || count == 0 {
                continue;
            }
            let start = remaining - count as usize;
            chunk.clear();
            chunk.extend_from_slice(&leaves[start..remaining]);
            chunk.sort_unstable_by_key(|l| l.symbol);
            for leaf in &chunk {
                self.code[leaf.symbol as usize] = reverse_bits(code, bits as u16);
                self.len[leaf.symbol as usize] = bits as u16;
                code = code.wrapping_add(1);
            }
            remaining = start;
        }
    }
}

/// For leaves sorted rarest first (at least three of them), computes how many symbols get
/// each code length, limited to `max_bits`. Returns a vector indexed by code length (index 0 is
/// unused). This is Go's boundary package-merge variant, which decides lengths one tree level
/// at a time while tracking, per level, how many leaves lie left of the current chain.
fn length_counts(leaves: &mut Vec<Leaf>, max_bits: i32) -> Vec<i32> {
    const LIMIT: usize = 17;
    let n = leaves.len() as i32;
    leaves.push(Leaf {
        symbol: u16::MAX,
        freq: i32::MAX,
    });
    let max_bits = max_bits.min(n - 1);
    let top = max_bits as usize;

    let mut depth = [Depth::default(); LIMIT];
    let mut leaf_counts = [[0i32; LIMIT]; LIMIT];
    for level in 1..=top {
        depth[level] = Depth {
            last_freq: leaves[1].freq,
            next_leaf_freq: leaves[2].freq,
            next_pair_freq: if level == 1 {
                i32::MAX
            } else {
                leaves[0].freq.wrapping_add(leaves[1].freq)
            },
            needed: 0,
        };
        leaf_counts[level][level] = 2;
    }
    depth[top].needed = 2 * n - 4;

    let mut level = top;
    loop {
        if depth[level].next_pair_freq == i32::MAX && depth[level].next_leaf_freq == i32::MAX {
            // Nothing left to place at this depth or below.
            depth[level].needed = 0;
            depth[level + 1].next_pair_freq = i32::MAX;
            level += 1;
            continue;
        }
        let prev_freq = depth[level].last_freq;
        if depth[level].next_leaf_freq < depth[level].next_pair_freq {
            let taken = leaf_counts[level][level] + 1;
            depth[level].last_freq = depth[level].next_leaf_freq;
            leaf_counts[level][level] = taken;
            depth[level].next_leaf_freq = leaves[taken as usize].freq;
        } else {
            depth[level].last_freq = depth[level].next_pair_freq;
            let (lower, upper) = leaf_counts.split_at_mut(level);
            upper[0][..level].copy_from_slice(&lower[level - 1][..level]);
            depth[level - 1].needed = 2;
        }
        depth[level].needed -= 1;
        if depth[level].needed == 0 {
            if level == top {
                break;
            }
            depth[level + 1].next_pair_freq = prev_freq.wrapping_add(depth[level].last_freq);
            level += 1;
        } else {
            while depth[level - 1].needed > 0 {
                level -= 1;
            }
        }
    }
    assert_eq!(
        leaf_counts[top][top], n,
        "Huffman length computation lost a leaf"
    );
    leaves.pop();

    let mut per_length = vec![0i32; top + 1];
    let counts = &leaf_counts[top];
    for (bits, level) in (1..=top).rev().enumerate() {
        per_length[bits + 1] = counts[level] - counts[level - 1];
    }
    per_length
}

// ---- Block writer ----

struct BitWriter {
    bytes: Vec<u8>,
    bits: u64,
    nbits: u32,
    literal_freq: Vec<i32>,
    distance_freq: Vec<i32>,
    code_length_freq: [i32; CODE_LENGTH_CODE_COUNT],
    /// The run-length coded code lengths of the current dynamic block, ended by
    /// `END_OF_CODE_LENGTHS`; repeat codes are followed by their repeat argument.
    code_lengths: Vec<u8>,
    literal_code: HuffmanCode,
    distance_code: HuffmanCode,
    code_length_code: HuffmanCode,
    fixed_literal: HuffmanCode,
    fixed_distance: HuffmanCode,
}

#[derive(PartialEq)]
enum Encoding {
    Fixed,
    Dynamic,
}

impl BitWriter {
    fn new() -> BitWriter {
        BitWriter {
            bytes: Vec::new(),
            bits: 0,
            nbits: 0,
            literal_freq: vec![0; LITERAL_CODE_COUNT],
            distance_freq: vec![0; DISTANCE_CODE_COUNT],
            code_length_freq: [0; CODE_LENGTH_CODE_COUNT],
            code_lengths: Vec::with_capacity(LITERAL_CODE_COUNT + DISTANCE_CODE_COUNT + 1),
            literal_code: HuffmanCode::new(LITERAL_CODE_COUNT),
            distance_code: HuffmanCode::new(DISTANCE_CODE_COUNT),
            code_length_code: HuffmanCode::new(CODE_LENGTH_CODE_COUNT),
            fixed_literal: HuffmanCode::fixed_literals(),
            fixed_distance: HuffmanCode::fixed_distances(),
        }
    }

    fn into_bytes(self) -> Vec<u8> {
        debug_assert_eq!(self.nbits, 0);
        self.bytes
    }

    fn put_bits(&mut self, value: u32, count: u32) {
        self.bits |= (value as u64) << self.nbits;
        self.nbits += count;
        while self.nbits >= 8 {
            self.bytes.push(self.bits as u8);
            self.bits >>= 8;
            self.nbits -= 8;
        }
    }

    fn pad_to_byte(&mut self) {
        if self.nbits > 0 {
            self.bytes.push(self.bits as u8);
        }
        self.bits = 0;
        self.nbits = 0;
    }

    fn put_code(&mut self, code: &HuffmanCode, sym: usize) {
        self.put_bits(code.code[sym] as u32, code.len[sym] as u32);
    }

    fn stored_header(&mut self, length: usize, last: bool) {
        self.put_bits(last as u32, 3);
        self.pad_to_byte();
        self.put_bits(length as u32, 16);
        self.put_bits(!(length as u16) as u32, 16);
    }

    /// Counts symbol frequencies of the block (end-of-block marker included) and builds the
    /// dynamic codes for them. Returns how many literal/length and distance codes the block
    /// needs to transmit.
    fn histogram(&mut self, tokens: &[Token]) -> (usize, usize) {
        self.literal_freq.fill(0);
        self.distance_freq.fill(0);
        for t in tokens {
            match *t {
                Token::Literal(b) => self.literal_freq[b as usize] += 1,
                Token::Match { xlen, xdist } => {
                    self.literal_freq[FIRST_LENGTH_CODE + LENGTH_CODE[xlen as usize] as usize] += 1;
                    self.distance_freq[distance_code(xdist as u32)] += 1;
                }
            }
        }
        self.literal_freq[END_OF_BLOCK] += 1;
        let mut num_literals = LITERAL_CODE_COUNT;
        while self.literal_freq[num_literals - 1] == 0 {
            num_literals -= 1;
        }
        let mut num_distances = DISTANCE_CODE_COUNT;
        while num_distances > 0 && self.distance_freq[num_distances - 1] == 0 {
            num_distances -= 1;
        }
        if num_distances == 0 {
            // A dynamic header must describe at least one distance code.
            self.distance_freq[0] = 1;
            num_distances = 1;
        }
        self.literal_code.build(&self.literal_freq, 15);
        self.distance_code.build(&self.distance_freq, 15);
        (num_literals, num_distances)
    }

    /// Run-length codes the concatenated literal/length and distance code lengths with the
    /// repeat symbols 16 (previous length 3-6 times), 17 (zero 3-10 times) and 18 (zero 11-138
    /// times), counting how often each code-length symbol is used.
    fn encode_code_lengths(&mut self, num_literals: usize, num_distances: usize) {
        self.code_length_freq = [0; CODE_LENGTH_CODE_COUNT];
        let mut lengths: Vec<u8> = Vec::with_capacity(num_literals + num_distances + 1);
        lengths.extend(
            self.literal_code.len[..num_literals]
                .iter()
                .map(|&l| l as u8),
        );
        lengths.extend(
            self.distance_code.len[..num_distances]
                .iter()
                .map(|&l| l as u8),
        );
        lengths.push(END_OF_CODE_LENGTHS);

        let out = &mut self.code_lengths;
        let freq = &mut self.code_length_freq;
        out.clear();
        let mut size = lengths[0];
        let mut count: i32 = 1;
        let mut next_index = 1;
        while size != END_OF_CODE_LENGTHS {
            let next = lengths[next_index];
            next_index += 1;
            if next == size {
                count += 1;
                continue;
            }
            if size != 0 {
                out.push(size);
                freq[size as usize] += 1;
                count -= 1;
                while count >= 3 {
                    let run = count.min(6);
                    out.extend_from_slice(&[16, (run - 3) as u8]);
                    freq[16] += 1;
                    count -= run;
                }
            } else {
                while count >= 11 {
                    let run = count.min(138);
                    out.extend_from_slice(&[18, (run - 11) as u8]);
                    freq[18] += 1;
                    count -= run;
                }
                if count >= 3 {
                    out.extend_from_slice(&[17, (count - 3) as u8]);
                    freq[17] += 1;
                    count = 0;
                }
            }
            for _ in 0..count {
                out.push(size);
                freq[size as usize] += 1;
            }
            size = next;
            count = 1;
        }
        out.push(END_OF_CODE_LENGTHS);
    }

    /// Bits of a dynamic block (header included) and how many code-length code lengths its
    /// header transmits.
    fn dynamic_cost(&self, extra_bits: i64) -> (i64, usize) {
        let mut num_cl_codes = CODE_LENGTH_CODE_COUNT;
        while num_cl_codes > 4 && self.code_length_freq[CODE_LENGTH_ORDER[num_cl_codes - 1]] == 0 {
            num_cl_codes -= 1;
        }
        let header = 3
            + 5
            + 5
            + 4
            + 3 * num_cl_codes as i64
            + self.code_length_code.cost(&self.code_length_freq)
            + self.code_length_freq[16] as i64 * 2
            + self.code_length_freq[17] as i64 * 3
            + self.code_length_freq[18] as i64 * 7;
        let size = header
            + self.literal_code.cost(&self.literal_freq)
            + self.distance_code.cost(&self.distance_freq)
            + extra_bits;
        (size, num_cl_codes)
    }

    fn fixed_cost(&self, extra_bits: i64) -> i64 {
        3 + self.fixed_literal.cost(&self.literal_freq)
            + self.fixed_distance.cost(&self.distance_freq)
            + extra_bits
    }

    /// Writes one block (the final one when `last`) for `tokens` in whichever of stored, fixed or
    /// dynamic form Go judges smallest. `source` is the raw input the tokens cover, when it is
    /// still available; without it the block is never stored.
    fn write_block(&mut self, tokens: &[Token], last: bool, source: Option<&[u8]>) {
        let (num_literals, num_distances) = self.histogram(tokens);
        let stored_bits = source
            .filter(|s| s.len() <= MAX_STORED_BLOCK)
            .map(|s| (s.len() as i64 + 5) * 8);

        // The extra bits after length and distance codes cost the same in fixed and dynamic
        // blocks; they are only counted when a stored block is a candidate.
        let mut extra_bits: i64 = 0;
        if stored_bits.is_some() {
            // The first eight length codes and first four distance codes have no extra bits.
            let lengths = &self.literal_freq[FIRST_LENGTH_CODE + 8..num_literals.max(265)];
            let distances = &self.distance_freq[4..num_distances.max(4)];
            extra_bits += lengths
                .iter()
                .zip(&LENGTH_EXTRA_BITS[8..])
                .chain(distances.iter().zip(&DISTANCE_EXTRA_BITS[4..]))
                .map(|(&f, &bits)| f as i64 * bits as i64)
                .sum::<i64>();
        }

        let mut encoding = Encoding::Fixed;
        let mut size = self.fixed_cost(extra_bits);
        self.encode_code_lengths(num_literals, num_distances);
        self.code_length_code.build(&self.code_length_freq, 7);
        let (dynamic_size, num_cl_codes) = self.dynamic_cost(extra_bits);
        if dynamic_size < size {
            size = dynamic_size;
            encoding = Encoding::Dynamic;
        }

        if let (Some(stored), Some(bytes)) = (stored_bits, source)
            && stored < size
        {
            self.stored_header(bytes.len(), last);
            self.bytes.extend_from_slice(bytes);
            return;
        }

        if encoding == Encoding::Fixed {
            self.put_bits(if last { 3 } else { 2 }, 3);
            let (lit, dist) = (
                std::mem::replace(&mut self.fixed_literal, HuffmanCode::new(0)),
                std::mem::replace(&mut self.fixed_distance, HuffmanCode::new(0)),
            );
            self.put_tokens(tokens, &lit, &dist);
            self.fixed_literal = lit;
            self.fixed_distance = dist;
        } else {
            self.dynamic_header(num_literals, num_distances, num_cl_codes, last);
            let (lit, dist) = (
                std::mem::replace(&mut self.literal_code, HuffmanCode::new(0)),
                std::mem::replace(&mut self.distance_code, HuffmanCode::new(0)),
            );
            self.put_tokens(tokens, &lit, &dist);
            self.literal_code = lit;
            self.distance_code = dist;
        }
    }

    fn dynamic_header(
        &mut self,
        num_literals: usize,
        num_distances: usize,
        num_cl_codes: usize,
        last: bool,
    ) {
        self.put_bits(if last { 5 } else { 4 }, 3);
        self.put_bits((num_literals - 257) as u32, 5);
        self.put_bits((num_distances - 1) as u32, 5);
        self.put_bits((num_cl_codes - 4) as u32, 4);
        for &sym in &CODE_LENGTH_ORDER[..num_cl_codes] {
            let len = self.code_length_code.len[sym] as u32;
            self.put_bits(len, 3);
        }
        let mut i = 0;
        loop {
            let sym = self.code_lengths[i];
            i += 1;
            if sym == END_OF_CODE_LENGTHS {
                break;
            }
            let (code, len) = (
                self.code_length_code.code[sym as usize],
                self.code_length_code.len[sym as usize],
            );
            self.put_bits(code as u32, len as u32);
            let arg_bits = match sym {
                16 => 2,
                17 => 3,
                18 => 7,
                _ => continue,
            };
            let arg = self.code_lengths[i] as u32;
            i += 1;
            self.put_bits(arg, arg_bits);
        }
    }

    fn put_tokens(&mut self, tokens: &[Token], lit: &HuffmanCode, dist: &HuffmanCode) {
        for t in tokens {
            match *t {
                Token::Literal(b) => self.put_code(lit, b as usize),
                Token::Match { xlen, xdist } => {
                    let lc = LENGTH_CODE[xlen as usize] as usize;
                    self.put_code(lit, FIRST_LENGTH_CODE + lc);
                    let extra = LENGTH_EXTRA_BITS[lc] as u32;
                    if extra > 0 {
                        self.put_bits(xlen as u32 - LENGTH_BASE[lc], extra);
                    }
                    let dc = distance_code(xdist as u32);
                    self.put_code(dist, dc);
                    let extra = DISTANCE_EXTRA_BITS[dc] as u32;
                    if extra > 0 {
                        self.put_bits(xdist as u32 - DISTANCE_BASE[dc], extra);
                    }
                }
            }
        }
        self.put_code(lit, END_OF_BLOCK);
    }
}

#[cfg(test)]
mod tests {
    //! Expected values were produced once by Terraform 1.15.5 (built with Go 1.25.10) evaluating
    //! `base64gzip(file(...))` over files holding the same generated inputs. Long results are
    //! kept as the SHA-256 of the base64 text.
    use super::deflate_go;
    use base64::Engine;
    use sha2::{Digest, Sha256, Sha512};
    use unicode_normalization::UnicodeNormalization;

    enum Want {
        Exact(&'static str),
        Sha256(&'static str),
    }

    fn base64gzip(data: &[u8]) -> String {
        let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
        out.extend(deflate_go(data));
        let mut crc = flate2::Crc::new();
        crc.update(data);
        out.extend(crc.sum().to_le_bytes());
        out.extend((data.len() as u32).to_le_bytes());
        base64::engine::general_purpose::STANDARD.encode(out)
    }

    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            self.0 >> 33
        }
    }

    fn lcg_range(seed: u64, n: usize, lo: u32, hi: u32) -> String {
        let mut r = Lcg(seed);
        (0..n)
            .map(|_| char::from_u32(lo + (r.next() % u64::from(hi - lo + 1)) as u32).unwrap())
            .collect()
    }

    fn lcg_unicode(seed: u64, n: usize) -> String {
        let mut r = Lcg(seed);
        (0..n)
            .map(|_| {
                let kind = r.next() % 4;
                let v = r.next();
                let c = match kind {
                    0 => 32 + v % 95,
                    1 => 0xA0 + v % (0x800 - 0xA0),
                    2 => 0x800 + v % (0xD800 - 0x800),
                    _ => 0x10000 + v % (0x110000 - 0x10000),
                };
                char::from_u32(c as u32).unwrap()
            })
            .collect()
    }

    fn lines(n: u64) -> String {
        (0..n)
            .map(|i| format!("line {i}: value {}\n", i * i % 977))
            .collect()
    }

    fn sha_hex(n: u32) -> String {
        (0..n)
            .map(|i| hex::encode(Sha512::digest(i.to_string())))
            .collect()
    }

    fn cjk(n: u32) -> String {
        (0..n)
            .map(|i| char::from_u32(0x4E00 + i * 7).unwrap())
            .collect()
    }

    fn cloud_init(users: u32, files: u32) -> String {
        let mut s = String::from(
            "#cloud-config\nhostname: web-01\nfqdn: web-01.example.internal\n\
             manage_etc_hosts: true\npackage_update: true\npackage_upgrade: true\npackages:\n",
        );
        for p in [
            "nginx",
            "curl",
            "jq",
            "unzip",
            "git",
            "htop",
            "awscli",
            "python3-pip",
            "fail2ban",
            "ufw",
        ] {
            s += &format!("  - {p}\n");
        }
        s += "users:\n";
        for i in 0..users {
            let key = &hex::encode(Sha256::digest(i.to_string()))[..40];
            s += &format!(
                "  - name: user{i}\n    groups: [adm, sudo]\n    shell: /bin/bash\n    \
                 sudo: ['ALL=(ALL) NOPASSWD:ALL']\n    ssh_authorized_keys:\n      \
                 - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{key} user{i}@example.com\n"
            );
        }
        s += "write_files:\n";
        for i in 0..files {
            s += &format!(
                "  - path: /etc/app/conf.d/{i:03}-service.conf\n    owner: root:root\n    \
                 permissions: '0644'\n    content: |\n      [service]\n      \
                 name = service-{i}\n      port = {}\n      replicas = {}\n      \
                 endpoint = https://api-{i}.example.com/v1/health\n",
                8000 + i,
                i % 5 + 1
            );
        }
        s += "runcmd:\n  - systemctl enable --now nginx\n  - ufw allow 'Nginx Full'\n  \
              - [ sh, -c, 'echo done > /var/log/cloud-init-finished' ]\n\
              final_message: \"The system is finally up, after $UPTIME seconds\"\n";
        s
    }

    fn json_like(n: u32) -> String {
        let items: Vec<String> = (0..n)
            .map(|i| {
                format!(
                    "{{\"id\": {i}, \"name\": \"item-{i}\", \"tags\": [\"a\", \"b\", \"{}\"], \
                     \"enabled\": {}}}",
                    i % 7,
                    i % 3 == 0
                )
            })
            .collect();
        format!("[{}]", items.join(","))
    }

    /// The named input as Terraform sees it: cty normalises every string to NFC, so
    /// `file()` of text that is not in NFC yields the composed form.
    fn input(name: &str) -> String {
        raw_input(name).nfc().collect()
    }

    fn raw_input(name: &str) -> String {
        match name {
            "empty" => String::new(),
            "one_byte" => "a".into(),
            "two_bytes" => "ab".into(),
            "three_distinct" => "abc".into(),
            "hello3" => "hello hello hello".into(),
            "hello4" => "hello hello hello hello".into(),
            "fox" => "The quick brown fox jumps over the lazy dog".into(),
            "abc_repeat" => "abc".repeat(8),
            "newlines" => "\n".repeat(300),
            "zeros_1000" => "0".repeat(1000),
            "run_a_100k" => "a".repeat(100_000),
            "ab_alternating" => "ab".repeat(5000),
            "long_match" => "abcdefgh".repeat(1000),
            "unicode_short" => {
                "héllo wörld ✓ 日本語テキスト 🚀🚀🚀 Ελληνικά Русский текст ".repeat(3)
            }
            "cjk_distinct_40" => cjk(40),
            "cjk_distinct_3000" => cjk(3000),
            "unicode_random" => lcg_unicode(7, 5000),
            "unicode_random_big" => lcg_unicode(11, 40000),
            "cloud_init" => cloud_init(6, 12),
            "cloud_init_big" => cloud_init(40, 200),
            "lines_5000" => lines(5000),
            "sha_hex_400" => sha_hex(400),
            "sha_hex_2000" => sha_hex(2000),
            "printable_70000" => lcg_range(3, 70000, 32, 126),
            "ascii_all_20000" => lcg_range(5, 20000, 0, 127),
            "printable_65535" => lcg_range(9, 65535, 32, 126),
            "lowercase_32768" => lcg_range(13, 32768, 97, 122),
            "json_like" => json_like(2000),
            "digits_300000" => lcg_range(17, 300000, 48, 57),
            "two_symbols_50000" => lcg_range(19, 50000, 120, 121),
            _ => unreachable!("{name}"),
        }
    }

    const CASES: &[(&str, Want)] = &[
        (
            "empty",
            Want::Exact("H4sIAAAAAAAA/wAAAP//AQAA//8AAAAAAAAAAA=="),
        ),
        (
            "one_byte",
            Want::Exact("H4sIAAAAAAAA/0oEAAAA//8BAAD//0O+t+gBAAAA"),
        ),
        (
            "two_bytes",
            Want::Exact("H4sIAAAAAAAA/0pMAgAAAP//AQAA//9tSIOeAgAAAA=="),
        ),
        (
            "three_distinct",
            Want::Exact("H4sIAAAAAAAA/0pMSgYAAAD//wEAAP//wkEkNQMAAAA="),
        ),
        (
            "hello3",
            Want::Exact("H4sIAAAAAAAA/8pIzcnJV0AiAQAAAP//AQAA//+AiPnlEQAAAA=="),
        ),
        (
            "hello4",
            Want::Exact("H4sIAAAAAAAA/8pIzcnJV8AgAQAAAP//AQAA///jUT2NFwAAAA=="),
        ),
        (
            "fox",
            Want::Exact(
                "H4sIAAAAAAAA/wrJSFUoLM1MzlZIKsovz1NIy69QyCrNLShWyC9LLVIoyUhVyEmsqlRIyU8HAAAA//8BAAD//zmjT0ErAAAA",
            ),
        ),
        (
            "abc_repeat",
            Want::Exact("H4sIAAAAAAAA/0pMSsaKAAAAAP//AQAA//83DyABGAAAAA=="),
        ),
        (
            "newlines",
            Want::Exact("H4sIAAAAAAAA/+IaBUQDAAAAAP//AQAA//8yF/SBLAEAAA=="),
        ),
        (
            "zeros_1000",
            Want::Exact("H4sIAAAAAAAA/zIYBaNgFAx7AAAAAP//AQAA//+DmV+o6AMAAA=="),
        ),
        (
            "run_a_100k",
            Want::Exact(
                "H4sIAAAAAAAA/+zAwQAAAAACMdb8JdK4xzYAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAg6wAAAP//AQAA//+H+uIboIYBAA==",
            ),
        ),
        (
            "ab_alternating",
            Want::Exact(
                "H4sIAAAAAAAA/+zBAQkAAAACoK31f0Q7AjEFAAAAAAAAAACAfwMAAP//AQAA//8AvFh8ECcAAA==",
            ),
        ),
        (
            "long_match",
            Want::Exact(
                "H4sIAAAAAAAA/+zFRQEAQAgAsKwnSP8EBGGvnft+ZDVJkiRJkiRJkiRJkpsdAAAA//8BAAD//4i6LbxAHwAA",
            ),
        ),
        (
            "unicode_short",
            Want::Exact(
                "H4sIAAAAAAAA/8o4vDInJ1+h/PC2opwUhUdzJis8m7702Zw1L1bNe9zc9rhp7eOmnY+bOxQ+zJ/VAMMK56ae231u97nt5/ae23lu17k1ChcWXGy+2Hix8cKuCzsu7FS42HRh64VdFxsvNikMdfMBAAAA//8BAAD//wDV+M4gAQAA",
            ),
        ),
        (
            "cjk_distinct_40",
            Want::Exact(
                "H4sIAAAAAAAA/wTANQ5CARCE4auTYAmWYAVSIAVSIAUwu7PAZf6DvA+1UB9N0BJt0RFd0RMJ/YkeMSYWxIY4EBfiQXyIH9klR+ScXJN78kzeyTf5xR08xDO8wjt8wjf8wkW1qQE1bQAAAP//AQAA//8nP5uqeAAAAA==",
            ),
        ),
        (
            "cjk_distinct_3000",
            Want::Sha256("7fc2d1fe6cc2d166c104e36a062eda13b7042c605bbdedc0161b92a5586a459d"),
        ),
        (
            "unicode_random",
            Want::Sha256("024fa56d847164bbce8cd168fe70ce87c8e05658256506db319dbc5eff915e20"),
        ),
        (
            "unicode_random_big",
            Want::Sha256("2a73edc4aa5c283cd31f9430ed81172c2687b39cf42774dabf89f39f775c5ca6"),
        ),
        (
            "cloud_init",
            Want::Sha256("cd50690d2a72d51985653dd4d09282cdb88898db9f2a18fb3d91462b695c7694"),
        ),
        (
            "cloud_init_big",
            Want::Sha256("ce9f5a8062471aa71377c33e45dde4f3a90a05fe6d40de3d1e9e9751334be185"),
        ),
        (
            "lines_5000",
            Want::Sha256("a20a4ecdd73e640b90444dec2fe419afdd53e99346743905ef5abc5256abba11"),
        ),
        (
            "sha_hex_400",
            Want::Sha256("54f806a3b984aa12bad117e1dc70faa5e636b01f8342721d6a206e2f05c05fa0"),
        ),
        (
            "sha_hex_2000",
            Want::Sha256("6041c15e34d5bea28cd83ade488c8412af9a4766561f792c3679eb22104d10b6"),
        ),
        (
            "printable_70000",
            Want::Sha256("dba844afe097593c1adfc6a5ba9282e45c7a083acf90cf29a6c78f1a21d99962"),
        ),
        (
            "ascii_all_20000",
            Want::Sha256("103c17747a1e6bfdccba09151997e32618e251167ae4b1587928a95bec229d0b"),
        ),
        (
            "printable_65535",
            Want::Sha256("20b9b9c657107364ed77314cbd33cd1106cba027cf66f673c792ae26d80637a7"),
        ),
        (
            "lowercase_32768",
            Want::Sha256("99650c2e0eb8f5353951264913c113d97f27157e4e02f897d895aecf2c0ae72e"),
        ),
        (
            "json_like",
            Want::Sha256("5583b382e75e87f8cb889f52bcf12b02369c58c59719559a33ab508c4329e659"),
        ),
        (
            "digits_300000",
            Want::Sha256("0ea01efffefe9bada6e5a94489d9426ea432b7eaae4330e756f244945fefb510"),
        ),
        (
            "two_symbols_50000",
            Want::Sha256("54799a143f02c5a120982bc01952c4f9ef2b765a9120f4bf7d04482007874e3d"),
        ),
    ];

    #[test]
    fn matches_terraform_base64gzip() {
        let mut failures = Vec::new();
        for (name, want) in CASES {
            let got = base64gzip(input(name).as_bytes());
            let ok = match want {
                Want::Exact(s) => got == *s,
                Want::Sha256(h) => hex::encode(Sha256::digest(&got)) == *h,
            };
            if !ok {
                failures.push(*name);
            }
        }
        assert!(failures.is_empty(), "differ from Terraform: {failures:?}");
        assert!(CASES.len() >= 25);
    }

    #[test]
    fn output_inflates_back() {
        use std::io::Read;
        for (name, _) in CASES {
            let data = input(name);
            let mut back = Vec::new();
            flate2::read::DeflateDecoder::new(&deflate_go(data.as_bytes())[..])
                .read_to_end(&mut back)
                .unwrap();
            assert_eq!(back, data.as_bytes(), "{name}");
        }
    }
}
