// The default model's checkpoint, linked into the binary so that `cadenza generate` works with
// nothing downloaded (CONVENTIONS.md "Embedded").
#ifndef CADENZA_MODEL_DATA_H
#define CADENZA_MODEL_DATA_H

#include <stddef.h>

/// The bytes of default.safetensors as it was at build time; *length is 0 when the build had
/// none (the file is then simply absent from Sources/CadenzaModelData).
const unsigned char *cdz_default_model(size_t *length);

#endif
