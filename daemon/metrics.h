/* SPDX-License-Identifier: MIT */
/* The Prometheus text exposition: for the Metrics method and the MetricsFile. */
#pragma once

#include "scan.h"
#include "tracker.h"

/* r may be NULL before the first scan. Takes the tracker's lock for its counters. */
int metrics_format(const ScanResult *r, Tracker *t, char **ret);
/* Replaces path atomically (temporary file in the same directory, then rename). */
int metrics_write_file(const char *path, const char *text);
