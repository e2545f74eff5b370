package dev.relay.gateway;

import java.security.SecureRandom;
import java.util.concurrent.ScheduledExecutorService;

/** What every connection of one gateway shares. */
record GatewayContext(GatewayConfig config, GatewayMetrics metrics, SessionRegistry registry,
                      ScheduledExecutorService scheduler, SecureRandom random) {
}
