// Byte helpers over raw linear memory: hashing and equality of keys.

const P1: u32 = 2654435761;
const P2: u32 = 2246822519;
const P3: u32 = 3266489917;
const P4: u32 = 668265263;
const P5: u32 = 374761393;

let seed: u32 = 0;

/** Sets the hash seed; the host passes a random one so that colliding keys cannot be precomputed. */
export function setHashSeed(value: u32): void {
  seed = value;
}

/** Seeded xxHash32 of `len` bytes at `p`; unaligned loads are fine in wasm. */
export function hash32(p: usize, len: u32): u32 {
  const end = p + len;
  let h: u32;
  if (len >= 16) {
    let v1: u32 = seed + P1 + P2;
    let v2: u32 = seed + P2;
    let v3: u32 = seed;
    let v4: u32 = seed - P1;
    const limit = end - 16;
    do {
      v1 = rotl<u32>(v1 + load<u32>(p) * P2, 13) * P1;
      v2 = rotl<u32>(v2 + load<u32>(p, 4) * P2, 13) * P1;
      v3 = rotl<u32>(v3 + load<u32>(p, 8) * P2, 13) * P1;
      v4 = rotl<u32>(v4 + load<u32>(p, 12) * P2, 13) * P1;
      p += 16;
    } while (p <= limit);
    h = rotl<u32>(v1, 1) + rotl<u32>(v2, 7) + rotl<u32>(v3, 12) + rotl<u32>(v4, 18);
  } else {
    h = seed + P5;
  }
  h += len;
  while (p + 4 <= end) {
    h = rotl<u32>(h + load<u32>(p) * P3, 17) * P4;
    p += 4;
  }
  while (p < end) {
    h = rotl<u32>(h + <u32> load<u8>(p) * P5, 11) * P1;
    p++;
  }
  h ^= h >> 15;
  h *= P2;
  h ^= h >> 13;
  h *= P3;
  h ^= h >> 16;
  return h;
}

/** 32-bit FNV-1a, kept for the hash benchmark (`debugHash`). */
export function fnv1a(p: usize, len: u32): u32 {
  let h: u32 = 2166136261;
  const end = p + len;
  while (p < end) {
    h = (h ^ <u32> load<u8>(p)) * 16777619;
    p++;
  }
  return h;
}

/** Whether the `n` bytes at `a` and `b` are equal. */
export function bytesEqual(a: usize, b: usize, n: u32): bool {
  const end = a + n;
  while (a + 8 <= end) {
    if (load<u64>(a) != load<u64>(b)) return false;
    a += 8;
    b += 8;
  }
  while (a < end) {
    if (load<u8>(a) != load<u8>(b)) return false;
    a++;
    b++;
  }
  return true;
}
