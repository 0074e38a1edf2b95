/* SPDX-License-Identifier: MIT */
/* What the dep-base test library module exports to modules requiring it. */
#ifndef TESSERA_TESTS_MODULES_DEP_BASE_H
#define TESSERA_TESTS_MODULES_DEP_BASE_H

const char *dep_base_origin(void);

#endif
