/*
 * tests/fuzz: shared bits of the libFuzzer targets (built by `make fuzz`
 * with clang -fsanitize=fuzzer,address,undefined; see tests/fuzz/README.md).
 * The first input byte picks a variant (content type, spec, language) so
 * one target covers the ways the daemon calls its parser; the rest is the
 * untrusted input.
 */
#ifndef SW_TESTS_FUZZ_H
#define SW_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/*
 * Writes data to a file of its own in a private directory made once per
 * process (mode 0644, so config_load's "writable by others" check passes)
 * and returns its path, or NULL.
 */
const char *fuzz_write_file(const uint8_t *data, size_t size);

/*
 * 1 if data names a path outside the private directory (an absolute path,
 * "..", "~" or a glob): config files with such includes are skipped so a
 * run reads only its own input, never /dev or the whole disk.
 */
int fuzz_include_escapes(const uint8_t *data, size_t size);

#endif
