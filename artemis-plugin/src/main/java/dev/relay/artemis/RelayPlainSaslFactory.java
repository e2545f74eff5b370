package dev.relay.artemis;

import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.protocol.amqp.broker.AmqpInterceptor;
import org.apache.activemq.artemis.protocol.amqp.proton.AMQPRoutingHandler;
import org.apache.activemq.artemis.protocol.amqp.sasl.ServerSASL;
import org.apache.activemq.artemis.protocol.amqp.sasl.ServerSASLFactory;
import org.apache.activemq.artemis.protocol.amqp.sasl.ServerSASLPlain;
import org.apache.activemq.artemis.spi.core.protocol.ProtocolManager;
import org.apache.activemq.artemis.spi.core.protocol.RemotingConnection;
import org.apache.activemq.artemis.spi.core.remoting.Connection;

/**
 * The AMQP acceptors' SASL {@code PLAIN}: Artemis finds it through {@code META-INF/services} in the plugin jar and
 * prefers it to its own by precedence, so no configuration names it. It is Artemis' PLAIN plus the authzid rule of
 * SPEC §2.1 ({@link RelayPlainSasl}).
 */
public final class RelayPlainSaslFactory implements ServerSASLFactory {
    /** Above Artemis' own PLAIN (0). */
    private static final int PRECEDENCE = 10;

    @Override
    public String getMechanism() {
        return ServerSASLPlain.NAME;
    }

    @Override
    public ServerSASL create(ActiveMQServer server, ProtocolManager<AmqpInterceptor, AMQPRoutingHandler> manager,
                             Connection connection, RemotingConnection remotingConnection) {
        return new RelayPlainSasl(server.getSecurityStore(), manager.getSecurityDomain(),
                connection.getProtocolConnection(), RelaySecurityManager.runtimeOf(server));
    }

    @Override
    public int getPrecedence() {
        return PRECEDENCE;
    }

    @Override
    public boolean isDefaultPermitted() {
        return true;
    }
}
