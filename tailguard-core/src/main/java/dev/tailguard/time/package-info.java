/**
 * The time seams: a monotonic {@link dev.tailguard.time.Clock} and a {@link
 * dev.tailguard.time.Scheduler}. Every Tailguard policy takes its time from these, so tests can
 * drive them with {@code dev.tailguard.testing.FakeClock}.
 */
package dev.tailguard.time;
