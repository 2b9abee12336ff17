/* lua/sha256.h — SHA-256 (FIPS 180-4) for the manifest's script hash. */
#ifndef GG_SHA256_H
#define GG_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct gg_sha256 {
    uint32_t h[8];        /* chaining state */
    uint64_t bytes;       /* message length so far */
    unsigned char buf[64];/* pending partial block */
    size_t nbuf;          /* bytes in buf */
} gg_sha256;

/* Start a hash. */
void gg_sha256_init(gg_sha256 *s);

/* Absorb len bytes. */
void gg_sha256_update(gg_sha256 *s, const void *data, size_t len);

/* Finish and write the 32-byte digest. */
void gg_sha256_final(gg_sha256 *s, unsigned char out[32]);

#endif
