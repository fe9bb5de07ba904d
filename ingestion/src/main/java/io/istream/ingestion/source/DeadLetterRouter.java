package io.istream.ingestion.source;

import io.istream.avro.DeadLetter;
import io.istream.avro.IngestedEvent;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/** Sends dead letters to a side output and lets valid events through. */
public final class DeadLetterRouter extends ProcessFunction<IngestedEvent, IngestedEvent> {
    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", new AvroTypeInfo<>(DeadLetter.class));

    @Override
    public void processElement(IngestedEvent event, Context ctx, Collector<IngestedEvent> out) {
        if (event.getPayload() instanceof DeadLetter dead) {
            ctx.output(DEAD_LETTERS, dead);
        } else {
            out.collect(event);
        }
    }
}
