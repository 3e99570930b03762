package dev.gantry.transport;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Decodes record values with an error that says where the bad record sits. */
public final class Messages {
    private Messages() {}

    public static <T extends Message> T decode(ConsumerRecord<String, byte[]> record, Parser<T> parser, String type) {
        if (record.value() == null) {
            throw new MalformedMessageException(where(record) + ": empty value, expected a " + type, null);
        }
        try {
            return parser.parseFrom(record.value());
        } catch (InvalidProtocolBufferException e) {
            throw new MalformedMessageException(where(record) + ": not a gantry.v1." + type + " (" + e.getMessage() + ")", e);
        }
    }

    public static String where(ConsumerRecord<?, ?> record) {
        return record.topic() + "[" + record.partition() + "]@" + record.offset();
    }
}
