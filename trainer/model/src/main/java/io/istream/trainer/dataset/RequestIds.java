package io.istream.trainer.dataset;

/**
 * The ids the replay protocols give requests and samples. A click names its impression by (requestId, itemId), and a
 * Sample's id is {@code requestId/itemId}, so an oracle or an offline evaluator can find a streamed sample again.
 */
public final class RequestIds {

    private RequestIds() {
    }

    /** The request of a user's k-th step (0-based position in the user's sequence): {@code u<userId>-<k>}. */
    public static String forStep(long userId, int step) {
        return "u" + userId + "-" + step;
    }

    /** {@code requestId/itemId}, as in Sample.sampleId. */
    public static String sampleId(String requestId, long itemId) {
        return requestId + "/" + itemId;
    }
}
