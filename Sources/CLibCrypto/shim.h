#ifndef TOLLGATE_CLIBCRYPTO_SHIM_H
#define TOLLGATE_CLIBCRYPTO_SHIM_H

// OpenSSL's libcrypto, which libpq already loads: its SHA-256 uses the processor's SHA
// instructions where there are some. The one-call SHA256_* functions are deprecated in
// OpenSSL 3 in favour of EVP, whose first use loads providers and reads openssl.cnf, which
// every command would pay at start-up; they are still exported and documented.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#endif
