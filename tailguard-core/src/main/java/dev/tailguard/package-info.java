/**
 * Tailguard's policies: {@link dev.tailguard.Retry} and {@link dev.tailguard.RetryPolicy},
 * {@link dev.tailguard.Backoff} and {@link dev.tailguard.Jitter}, and the typed {@link
 * dev.tailguard.OutcomeHandler} that classifies a call's outcomes.
 */
package dev.tailguard;
