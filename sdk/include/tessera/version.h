/* SPDX-License-Identifier: MIT */
/*
 * Tessera plugin SDK version.  A plugin records the version it was built
 * for; the core loads plugins of the same major and an equal or older minor.
 */
#ifndef TESSERA_SDK_VERSION_H
#define TESSERA_SDK_VERSION_H

#define TESSERA_SDK_MAJOR 1
#define TESSERA_SDK_MINOR 0

#endif
