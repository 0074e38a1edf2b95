/* SPDX-License-Identifier: MIT */
/* An SDK-tier plugin built for a newer minor version: must be refused. */
#include "kernel/module.h"
#include "tessera/version.h"

static const TesseraTypeDesc types[] = {
    { .name = "sdk-newer-device", .parent = "device", .category = "misc",
      .description = "needs a newer core" },
    { .name = NULL },
};

__attribute__((visibility("default"))) const TesseraModuleDesc tessera_module = {
    .magic = TESSERA_MODULE_MAGIC,
    .desc_size = sizeof(TesseraModuleDesc),
    .sdk_major = TESSERA_SDK_MAJOR,
    .sdk_minor = TESSERA_SDK_MINOR + 1,
    .name = "sdk-newer-minor",
    .kind = "device",
    .types = types,
};
