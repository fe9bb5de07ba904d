package io.istream.scorer;

import static org.assertj.core.api.Assertions.assertThat;

import io.istream.avro.ItemRef;
import io.istream.avro.ScoreRequest;
import io.istream.avro.ScoreStatus;
import io.istream.avro.ScoredCandidate;
import io.istream.avro.ScoredCandidates;
import io.istream.features.sequence.BehaviorSequence;
import io.istream.trainer.data.Batch;
import io.istream.trainer.model.CtrModel;
import io.istream.trainer.model.ModelConfig;
import io.istream.trainer.model.ModelKind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScorerTest {
    private static final long REQUEST_TIME = 10_000;

    private static CtrModel model() {
        CtrModel m = new CtrModel(ModelConfig.paper(ModelKind.DIEN).embeddingDim(4)
                .hiddenSize(6).headHidden(8).attentionHidden(6).auxHidden(6).seed(3).build());
        // ids admitted (as a trained model's would be), so candidates get their own rows
        Batch vocabulary = new Batch(1, 1);
        for (long id = 1; id <= 40; id++) {
            vocabulary.targetItem[0] = id;
            vocabulary.targetCategory[0] = 1 + id % 5;
            m.countOccurrences(vocabulary);
        }
        return m;
    }

    private static BehaviorSequence history() {
        BehaviorSequence s = new BehaviorSequence();
        for (int t = 0; t < 12; t++) {
            s.insert(1 + t, 1 + t % 5, (byte) 0, 1_000L * t);   // t = 10, 11 are after the request: not visible
        }
        return s;
    }

    private static ScoreRequest request(String id, List<ItemRef> candidates) {
        return new ScoreRequest(id, 7L, candidates, REQUEST_TIME);
    }

    private static List<ItemRef> candidates(int n) {
        List<ItemRef> out = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            out.add(new ItemRef(20 + i, 1 + (20 + i) % 5));
        }
        return out;
    }

    @Test
    void answersAreSortedHighToLowAndCarryTheModelVersionAndAge() {
        ScoredCandidates answer = new Scorer(100).score(model(), 42, 1_000, request("r", candidates(8)), history(),
                3_500);
        assertThat(answer.getStatus()).isEqualTo(ScoreStatus.OK);
        assertThat(answer.getModelVersion()).isEqualTo(42);
        assertThat(answer.getModelAgeMs()).isEqualTo(2_500);
        assertThat(answer.getCandidates()).hasSize(8);
        for (int i = 1; i < 8; i++) {
            assertThat(answer.getCandidates().get(i).getPctr()).isLessThanOrEqualTo(
                    answer.getCandidates().get(i - 1).getPctr());
        }
        assertThat(answer.getCandidates().stream().mapToDouble(ScoredCandidate::getPctr).distinct().count())
                .as("candidates get different scores").isGreaterThan(1);
    }

    @Test
    void requestBeforeAnyModelIsAnsweredWithNoModelStatusAndEveryCandidate() {
        ScoredCandidates answer = new Scorer(100).score(null, -1, -1, request("r", candidates(5)), history(), 0);
        assertThat(answer.getStatus()).isEqualTo(ScoreStatus.NO_MODEL);
        assertThat(answer.getModelVersion()).isEqualTo(-1);
        assertThat(answer.getModelAgeMs()).isEqualTo(-1);
        assertThat(answer.getCandidates()).extracting(ScoredCandidate::getItemId)
                .containsExactly(20L, 21L, 22L, 23L, 24L);
    }

    @Test
    void aCandidateScoresTheSameAloneAsAmongOthers() {
        CtrModel m = model();
        Scorer scorer = new Scorer(100);
        ScoredCandidates together = scorer.score(m, 1, 0, request("all", candidates(8)), history(), 0);
        Map<Long, Double> byItem = new HashMap<>();
        together.getCandidates().forEach(c -> byItem.put(c.getItemId(), c.getPctr()));
        for (ItemRef c : candidates(8)) {
            double alone = scorer.score(m, 1, 0, request("one", List.of(c)), history(), 0).getCandidates().get(0)
                    .getPctr();
            assertThat(alone).as("item " + c.getItemId()).isCloseTo(byItem.get(c.getItemId()),
                    org.assertj.core.data.Offset.offset(1e-6));
        }
    }

    @Test
    void historyIsTheNewestBehavioursStrictlyBeforeTheRequest() {
        Batch b = new Scorer(4).batchOf(request("r", candidates(2)), history());
        // behaviours at 0..9 s are before the 10 s request; the newest 4 are items 7..10
        assertThat(b.historyLength).containsExactly(4, 4);
        assertThat(b.historyItem).containsExactly(7, 8, 9, 10, 7, 8, 9, 10);
    }

    /**
     * Requests of one shape reuse the scorer's batch: nothing of an earlier request leaks into a later one, including
     * a request with no visible history after one with a single behaviour (both are 1-step batches).
     */
    @Test
    void aReusedBatchCarriesNothingOfTheRequestBefore() {
        CtrModel m = model();
        Scorer reusing = new Scorer(100);
        BehaviorSequence oneBehaviour = new BehaviorSequence();
        oneBehaviour.insert(3, 4, (byte) 0, 1_000L);
        ScoreRequest later = request("later", candidates(5));
        ScoreRequest earlier = new ScoreRequest("earlier", 7L, candidates(5), 500L);   // before the behaviour
        ScoredCandidates withHistory = reusing.score(m, 1, 0, later, oneBehaviour, 0);
        ScoredCandidates without = reusing.score(m, 1, 0, earlier, oneBehaviour, 0);
        assertThat(without.getCandidates()).isEqualTo(new Scorer(100).score(m, 1, 0, earlier, oneBehaviour, 0)
                .getCandidates());
        assertThat(without.getCandidates()).isNotEqualTo(withHistory.getCandidates());
        assertThat(reusing.score(m, 1, 0, later, oneBehaviour, 0).getCandidates())
                .isEqualTo(withHistory.getCandidates());
        assertThat(reusing.score(m, 1, 0, request("r", candidates(5)), history(), 0).getCandidates())
                .isEqualTo(new Scorer(100).score(m, 1, 0, request("r", candidates(5)), history(), 0).getCandidates());
    }

    /**
     * A cached user's extractor states score exactly as computing them: bit-identical pCTRs on hits, a miss when the
     * history or the model version changes, and nothing stale after either.
     */
    @Test
    void cachedInterestStatesScoreExactlyAsComputedOnes() {
        CtrModel m = model();
        Scorer plain = new Scorer(100);
        Scorer cached = new Scorer(100, 10);
        BehaviorSequence h = history();
        ScoreRequest r = request("r", candidates(6));
        ScoredCandidates expected = plain.score(m, 1, 0, r, h, 0);
        ScoredCandidates miss = cached.score(m, 1, 0, r, h, 0);
        ScoredCandidates hit = cached.score(m, 1, 0, r, h, 0);
        assertThat(miss.getCandidates()).isEqualTo(expected.getCandidates());
        assertThat(hit.getCandidates()).isEqualTo(expected.getCandidates());
        assertThat(cached.cacheHits()).isEqualTo(1);
        assertThat(cached.cacheMisses()).isEqualTo(1);

        // a new behaviour before the request: the history changed, so the states are computed again
        h.insert(33, 4, (byte) 0, 9_500L);
        assertThat(cached.score(m, 1, 0, r, h, 0).getCandidates())
                .isEqualTo(plain.score(m, 1, 0, r, h, 0).getCandidates());
        assertThat(cached.cacheMisses()).isEqualTo(2);

        // the model changes (a new version, here in the extractor itself): never the old states
        var extractorWeight = m.params().stream().filter(p -> p.name().startsWith("dien.extractor")).findFirst()
                .orElseThrow().value();
        extractorWeight.set(0, extractorWeight.get(0) + 0.5);
        assertThat(cached.score(m, 2, 0, r, h, 0).getCandidates())
                .isEqualTo(plain.score(m, 2, 0, r, h, 0).getCandidates());
        assertThat(cached.cacheMisses()).isEqualTo(3);
    }
}
