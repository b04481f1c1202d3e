package dev.tailguard;

/**
 * Marks the exceptions Tailguard itself raises to refuse work without trying it: an exhausted
 * budget or an open circuit. The {@linkplain Classifier#defaults() default classifier} never
 * retries them, so a refusal cannot turn into a retry storm.
 *
 * @since 0.1
 */
public interface TailguardRejection {}
