/**
 * Typed events published by Tailguard's policies. Register listeners on the policy builders;
 * nothing is allocated for an event type that has no listener.
 */
package dev.tailguard.event;
