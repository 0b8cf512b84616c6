package io.sgagent.api;

import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.ValueDeserializer;

/**
 * Deserializers that accept only the JSON token types a field is documented with. Jackson's defaults coerce
 * {@code "12"} and {@code 12.9} into the number 12 and {@code true} into the string "true"; for a firewall API
 * a silently reinterpreted number is worse than a 400, so the request DTOs opt out field by field. JSON
 * {@code null} never reaches these (Jackson maps it to Java null), so "absent" and "null" mean the same.
 */
final class StrictJson {
    private StrictJson() {
    }

    /** A JSON integer that fits a Java long; strings, fractions and booleans are rejected. */
    static final class LongDeserializer extends ValueDeserializer<Long> {
        @Override
        public Long deserialize(JsonParser p, DeserializationContext ctxt) {
            if (p.currentToken() == JsonToken.VALUE_NUMBER_INT) {
                return p.getLongValue();
            }
            return (Long) ctxt.handleUnexpectedToken(Long.class, p);
        }
    }

    /** A JSON integer that fits a Java int; strings, fractions and booleans are rejected. */
    static final class IntegerDeserializer extends ValueDeserializer<Integer> {
        @Override
        public Integer deserialize(JsonParser p, DeserializationContext ctxt) {
            if (p.currentToken() == JsonToken.VALUE_NUMBER_INT) {
                return p.getIntValue();
            }
            return (Integer) ctxt.handleUnexpectedToken(Integer.class, p);
        }
    }

    /**
     * A protocol: a JSON string ({@code "tcp"}, {@code "47"}) or a JSON integer ({@code 47}), returned as text
     * for {@link io.sgagent.model.Protocol#parse}. Fractions, booleans, arrays and objects are rejected.
     */
    static final class ProtocolDeserializer extends ValueDeserializer<String> {
        @Override
        public String deserialize(JsonParser p, DeserializationContext ctxt) {
            JsonToken token = p.currentToken();
            if (token == JsonToken.VALUE_STRING || token == JsonToken.VALUE_NUMBER_INT) {
                return p.getString();
            }
            return (String) ctxt.handleUnexpectedToken(String.class, p);
        }
    }

    /** A JSON string only: numbers and booleans are not silently turned into text. */
    static final class StringDeserializer extends ValueDeserializer<String> {
        @Override
        public String deserialize(JsonParser p, DeserializationContext ctxt) {
            if (p.currentToken() == JsonToken.VALUE_STRING) {
                return p.getString();
            }
            return (String) ctxt.handleUnexpectedToken(String.class, p);
        }
    }
}
