package dev.relay.store;

/** Delivery state of a recorded message, as reported to its sender. */
public enum DeliveryState {
  SENT,
  DELIVERED,
  EXPIRED
}
