// default.safetensors (fp16 weights + metadata, written by Scripts/train_default_model.sh)
// becomes read-only data of the executable through C23's #embed: no resource bundle to find
// at run time, no code generation step, and clang reads the file at compile speed.
#include "CadenzaModelData.h"

#if defined(__has_embed)
#if __has_embed("default.safetensors")
#define CDZ_HAS_MODEL 1
#endif
#endif

#if CDZ_HAS_MODEL
static const unsigned char model[] __attribute__((aligned(64))) = {
#embed "default.safetensors"
};
const unsigned char *cdz_default_model(size_t *length) {
    *length = sizeof model;
    return model;
}
#else
const unsigned char *cdz_default_model(size_t *length) {
    *length = 0;
    return NULL;
}
#endif
