#!/usr/bin/env Rscript
# Deaths averted, read from an Averted results file: a short example for researchers,
# in R. Does what analysis/deaths_averted.py does and prints the same numbers: the
# deaths time series of every scenario (all causes, or one with --cause) and, for each
# scenario against scenario 0 (the comparator), the deaths averted over --from..--to
# in every (draw, replicate) pair, with their mean and 95% interval (2.5th and 97.5th
# percentiles over the pairs; R's default quantile type 7, as numpy's).
#
# Usage:  Rscript analysis/deaths_averted.R RESULTS.h5 [--from 2026] [--to 2030] [--cause drug_poisoning]
#
# Needs hdf5r (Debian: r-cran-hdf5r). The file layout: docs/results-format.md.

suppressPackageStartupMessages(library(hdf5r))

reads_format_versions <- c(1)  # results layouts this script understands (docs/results-format.md#versions)

refuse <- function(...) {
  message("deaths_averted: ", ...)
  quit(status = 1)
}

args <- commandArgs(trailingOnly = TRUE)
option <- function(name) {
  k <- match(name, args)
  if (is.na(k)) NULL else args[k + 1]
}
path <- args[1]
if (is.na(path) || startsWith(path, "--")) refuse("usage: Rscript deaths_averted.R RESULTS.h5 [--from Y] [--to Y] [--cause C]")

# Opens a results file; refuses one of another layout version or one not complete.
f <- tryCatch(H5File$new(path, mode = "r"), error = function(e) refuse("cannot open '", path, "': ", conditionMessage(e)))
root <- function(name) if (f$attr_exists(name)) h5attr(f, name) else NA
if (!identical(root("format"), "averted-results")) {
  refuse("'", path, "' is not an Averted results file (its root attribute 'format' is not 'averted-results')")
}
version <- root("format_version")
if (!(version %in% reads_format_versions)) {
  refuse("'", path, "' has results layout format_version ", version, " (written by Averted ", root("code_version"),
         "); this script reads format_version ", paste(reads_format_versions, collapse = ", "),
         ". Run the scenarios again with this version of Averted, or use the analysis scripts of the version that wrote the file.")
}
if (!identical(as.integer(root("complete")), 1L)) {
  refuse("'", path, "' is not complete (its attribute 'complete' is not 1): the run that writes it has not ",
         "finished, or stopped. Finish it (averted compare --resume) before analysing it.")
}

scenarios <- f[["layout/scenarios"]]$read()
table <- f[["results/deaths"]]
dims <- h5attr(table, "dims")
labels <- setNames(lapply(h5attr(table, "dim_labels"), function(p) f[[p]]$read()), dims)
# R reads the axes reversed; put them back in the documented order [scenario, draw, replicate, year, ...].
deaths <- table$read(drop = FALSE)  # keep axes of length 1 (one draw, one scenario)
deaths <- array(as.numeric(deaths), dim = dim(deaths))
deaths <- aperm(deaths, rev(seq_along(dim(deaths))))
f$close_all()

cause <- option("--cause")
if (!is.null(cause) && !(cause %in% labels$cause)) {
  refuse("no cause '", cause, "'; causes are: ", paste(labels$cause, collapse = ", "))
}
year <- match("year", dims)
if (is.null(cause)) {
  series <- apply(deaths, c(1, 2, 3, year), sum)  # [scenario, draw, replicate, year]
} else {
  by_cause <- apply(deaths, c(1, 2, 3, year, match("cause", dims)), sum)
  series <- array(by_cause[, , , , match(cause, labels$cause)], dim = dim(by_cause)[1:4])
}
years <- as.integer(labels$year)
first <- if (is.null(option("--from"))) years[1] else as.integer(option("--from"))
last <- if (is.null(option("--to"))) years[length(years)] else as.integer(option("--to"))
keep <- which(years >= first & years <= last)
if (length(keep) == 0) refuse("no year from ", first, " to ", last, " in this file (", years[1], "-", years[length(years)], ")")

what <- if (is.null(cause)) "all causes" else cause
cat(sprintf("Deaths (%s) by year, mean over %d draw(s) x %d replicate(s)\n", what, dim(series)[2], dim(series)[3]))
cat("year,", paste0('"', scenarios, '"', collapse = ","), "\n", sep = "")  # quoted: names may hold commas
for (k in seq_along(years)) {
  cat(years[k], ",", paste(sprintf("%.4f", sapply(seq_along(scenarios), function(s) mean(series[s, , , k]))), collapse = ","), "\n", sep = "")
}

cat(sprintf("\nDeaths averted (%s) against '%s', %d-%d, over (draw, replicate) pairs\n", what, scenarios[1], first, last))
cat("scenario,pairs,mean,lower_95,upper_95\n")
total <- apply(series[, , , keep, drop = FALSE], c(1, 2, 3), sum)  # [scenario, draw, replicate]
for (s in seq_along(scenarios)[-1]) {
  averted <- as.vector(total[1, , ] - total[s, , ])
  interval <- quantile(averted, c(0.025, 0.975), names = FALSE)
  cat(sprintf("\"%s\",%d,%.4f,%.4f,%.4f\n", scenarios[s], length(averted), mean(averted), interval[1], interval[2]))
}
