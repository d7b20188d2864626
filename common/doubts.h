/* SPDX-License-Identifier: MIT */
/* Doubts: a sorted set of keys (IPC namespace inodes, devices), each with the first reason
 * given for it, where key 0 stands for every key. The walks of /proc record there what they
 * could not judge, so that the objects concerned are kept and Explain can say why. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Adds key with reason unless it is there already (the first reason stays). A failure
 * leaves the arrays perhaps larger but the set unchanged. */
int doubts_add(uint64_t **keys, char ***reasons, size_t *n, uint64_t key, const char *reason);

/* Frees the arrays and the reasons. */
void doubts_free(uint64_t *keys, char **reasons, size_t n);

/* The reason key is doubted for (its own, or key 0's), NULL when it is not. */
const char *doubts_reason(const uint64_t *keys, char *const *reasons, size_t n, uint64_t key);
