/* hash.h -- FNV-1a, 64 bit: the one hash semsim keys its caches and tables
 * with. Not cryptographic; stable across machines and runs (bytes are hashed
 * in the order given, integers and doubles as 8 little-endian bytes).
 *
 *   uint64_t h = BASE_HASH_INIT;
 *   h = base_hash_bytes(h, buf, n);
 *   h = base_hash_u64(h, 42);
 *   h = base_hash_file(h, "manifest.tsv", &err);   (0 plus err on failure)
 */
#ifndef BASE_HASH_H
#define BASE_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

#define BASE_HASH_INIT 0xcbf29ce484222325ULL /* FNV-1a offset basis */

/* h extended with n bytes at p. */
uint64_t base_hash_bytes(uint64_t h, const void *p, size_t n);
/* h extended with v as 8 little-endian bytes. */
uint64_t base_hash_u64(uint64_t h, uint64_t v);
/* h extended with the bits of v (8 little-endian bytes of its IEEE form). */
uint64_t base_hash_double(uint64_t h, double v);
/* h extended with the bytes of s (no terminator; NULL hashes as ""). */
uint64_t base_hash_str(uint64_t h, const char *s);
/* h extended with every byte of the file at path, then its length (u64).
 * BASE_EIO (err names the file) when it cannot be read. */
base_status base_hash_file(uint64_t *h, const char *path, base_err *err);

#endif
