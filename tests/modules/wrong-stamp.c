/* SPDX-License-Identifier: MIT */
/* An in-tree style module stamped with another build's id: must be refused. */
#include "kernel/module.h"

static const TesseraTypeDesc types[] = {
    { .name = "wrong-stamp-device", .parent = "device", .category = "misc",
      .description = "never loadable" },
    { .name = NULL },
};

__attribute__((visibility("default"))) const TesseraModuleDesc tessera_module = {
    .magic = TESSERA_MODULE_MAGIC,
    .desc_size = sizeof(TesseraModuleDesc),
    .build_id = "0000000000000000-other",
    .name = "wrong-stamp",
    .kind = "device",
    .types = types,
};
