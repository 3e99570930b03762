package dev.gantry.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.gantry.proto.v1.CheckpointEvent;
import dev.gantry.proto.v1.CheckpointRef;
import dev.gantry.proto.v1.TrainingTask;
import dev.gantry.proto.v1.TrialRef;
import dev.gantry.proto.v1.TrialState;
import org.junit.jupiter.api.Test;

class WireFormatTest {
    private static final TrialRef TRIAL = TrialRef.newBuilder().setExperimentId("exp1").setTrialId("exp1-t000").build();

    @Test
    void messagesRoundTripAndCarryTheirIds() throws Exception {
        TrainingTask task = TrainingTask.newBuilder().setTaskId("exp1-t000@500-1000").setTrial(TRIAL).setFromStep(500)
                .setToStep(1000).setStart(CheckpointRef.newBuilder().setUri("s3://b/c/exp1-t000/step-00000500/")
                        .setStep(500).setManifestSha256("ab"))
                .setSpecYaml("name: x").setSpecHash("h").build();
        TrainingTask back = TrainingTask.parseFrom(task.toByteArray());
        assertEquals(task, back);
        assertEquals("exp1-t000", back.getTrial().getTrialId());
        assertEquals(TrialState.Phase.FAILED, TrialState.parseFrom(TrialState.newBuilder().setTrial(TRIAL)
                .setPhase(TrialState.Phase.FAILED).setFailureReason("NaN loss at step 812").build().toByteArray()).getPhase());
    }

    @Test
    void fieldsAddedByANewerWriterAreKeptByAnOlderReader() throws Exception {
        // A v1 reader of a CheckpointEvent that has a field it does not know (number 99) keeps it.
        byte[] known = CheckpointEvent.newBuilder().setTrial(TRIAL).setWorkerId("w1").build().toByteArray();
        byte[] withUnknown = new byte[known.length + 3];
        System.arraycopy(known, 0, withUnknown, 0, known.length);
        withUnknown[known.length] = (byte) 0x98; // field 99, varint: tag (99 << 3) = 792 -> 0x98 0x06
        withUnknown[known.length + 1] = 0x06;
        withUnknown[known.length + 2] = 0x07;
        CheckpointEvent parsed = CheckpointEvent.parseFrom(withUnknown);
        assertEquals("w1", parsed.getWorkerId());
        assertTrue(parsed.getUnknownFields().hasField(99));
        assertEquals(withUnknown.length, parsed.toByteArray().length, "re-serialised with the unknown field");
    }

    @Test
    void malformedBytesAreRejected() {
        assertThrows(InvalidProtocolBufferException.class, () -> TrainingTask.parseFrom(new byte[] {0x0a, 0x7f, 0x01}));
    }
}
