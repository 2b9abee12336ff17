/* tests/test_sha256.c — lua/sha256.c (the manifest's script hash) against the known-answer
 * vectors of FIPS 180-4 / NIST's SHA-256 examples: "abc", the empty message, the 448-bit
 * two-block message and one million 'a' (fed in uneven pieces, so partial-block buffering
 * is exercised too). */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "sha256.h"

/* Hex digest of msg fed in pieces of at most piece bytes (0: all at once). */
static void hex_digest(const char *msg, size_t len, size_t piece, char hex[65])
{
    gg_sha256 s;
    unsigned char d[32];
    gg_sha256_init(&s);
    if (!piece)
        piece = len ? len : 1;
    for (size_t off = 0; off < len; off += piece)
        gg_sha256_update(&s, msg + off, len - off < piece ? len - off : piece);
    gg_sha256_final(&s, d);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

static void check_digest(const char *name, const char *msg, size_t len, size_t piece,
                         const char *want)
{
    char hex[65];
    hex_digest(msg, len, piece, hex);
    if (!CHECK(name, strcmp(hex, want) == 0))
        printf("    got %s\n    expected %s\n", hex, want);
}

int main(void)
{
    static const char two_block[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    check_digest("abc", "abc", 3, 0,
                 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    check_digest("abc byte by byte", "abc", 3, 1,
                 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    check_digest("empty", "", 0, 0,
                 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    check_digest("448 bits", two_block, strlen(two_block), 0,
                 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    check_digest("448 bits in pieces of 7", two_block, strlen(two_block), 7,
                 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    static char million[1000000];
    memset(million, 'a', sizeof million);
    check_digest("one million 'a'", million, sizeof million, 0,
                 "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    check_digest("one million 'a' in pieces of 1000", million, sizeof million, 1000,
                 "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    check_digest("one million 'a' in pieces of 63", million, sizeof million, 63,
                 "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    return CHECK_DONE();
}
