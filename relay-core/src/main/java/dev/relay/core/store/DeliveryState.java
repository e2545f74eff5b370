package dev.relay.core.store;

/** Delivery state of a recorded message, as reported to its sender. */
public enum DeliveryState {
  SENT,
  DELIVERED,
  EXPIRED
}
