package io.istream.trainer.dataset;

import io.istream.avro.BehaviorType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads MovieLens ratings in GroupLens' two layouts, as used by the DIN paper's MovieLens protocol.
 *
 * <p>User and movie ids are kept as they are in the files ({@link IdDictionary#numeric}): they are already positive,
 * and keeping them lets a replayed stream be checked against the files and against other tools' results. Each rating
 * becomes a {@link BehaviorType#REVIEW} carrying its rating; {@link RatingProtocol} decides which are clicks.
 * The files are not in time order (100K is not even grouped by user), so each user's rows are sorted by time with a
 * stable sort, and {@link ReadOptions#maxUsers()} keeps the first N distinct users in file order after reading the
 * whole file.
 *
 * <p>A movie's category is one genre, its first: DIN embeds one category per item.
 */
public final class MovieLensReader {

    public static final String ML_100K_RATINGS = "u.data";
    public static final String ML_100K_MOVIES = "u.item";
    public static final String ML_100K_GENRES = "u.genre";
    public static final String LATEST_RATINGS = "ratings.csv";
    public static final String LATEST_MOVIES = "movies.csv";

    /** ML-100K's u.item ends with one 0/1 flag per genre of u.genre, "unknown" first. */
    static final int ML_100K_GENRE_FLAGS = 19;

    private MovieLensReader() {
    }

    public static InteractionLog read100k(Path dir) {
        return read100k(dir, ReadOptions.all());
    }

    /**
     * Reads ML-100K from {@code path} (the directory, or its u.data): u.data rows {@code user item rating unixtime}
     * (tab-separated) and u.item's genre flags. Category id = index of the first set genre flag + 1, so ids 1..19
     * follow u.genre's order ("unknown" = 1), and a movie with no flag set gets "unknown".
     */
    public static InteractionLog read100k(Path path, ReadOptions options) {
        Path dir = Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
        Path ratings = Files.isDirectory(path) ? path.resolve(ML_100K_RATINGS) : path;
        IdDictionary categories = IdDictionary.dense("category");
        for (String genre : genreNames(dir.resolve(ML_100K_GENRES))) {
            categories.idOf(genre);   // pre-seeded so that genre flag i has category id i + 1
        }
        Map<Long, Long> categoryOfMovie = new HashMap<>();
        DelimitedFile.scan(dir.resolve(ML_100K_MOVIES), StandardCharsets.ISO_8859_1, (lineNumber, line) -> {
            String[] f = line.split("\\|", -1);
            if (f.length < 1 + ML_100K_GENRE_FLAGS) {
                throw new IllegalArgumentException("expected a movie id, its fields and "
                        + ML_100K_GENRE_FLAGS + " genre flags, found " + f.length + " '|'-separated fields");
            }
            long category = 1;   // "unknown"
            for (int g = ML_100K_GENRE_FLAGS - 1; g >= 0; g--) {
                String flag = f[f.length - ML_100K_GENRE_FLAGS + g];
                if (!flag.equals("0") && !flag.equals("1")) {
                    throw new IllegalArgumentException("genre flag " + g + " is '" + flag + "', expected 0 or 1");
                }
                if (flag.equals("1")) {
                    category = g + 1;
                }
            }
            categoryOfMovie.put(Long.parseLong(f[0]), category);
            return true;
        });
        LogAssembler log = new LogAssembler(Datasets.nameOf(dir), IdDictionary.numeric("user"),
                IdDictionary.numeric("item"), categories, options);
        DelimitedFile.scan(ratings, StandardCharsets.ISO_8859_1, (lineNumber, line) -> {
            String[] f = DelimitedFile.fields(line, '\t', 4);
            if (log.admits(f[0])) {
                log.add(f[0], f[1], categoryOf(categoryOfMovie, f[1], ML_100K_MOVIES),
                        DelimitedFile.secondsToMillis(f[3]), BehaviorType.REVIEW, parseRating(f[2]));
            }
            return true;
        });
        return log.build();
    }

    public static InteractionLog readLatestSmall(Path dir) {
        return readLatestSmall(dir, ReadOptions.all());
    }

    /**
     * Reads the CSV layout (ml-latest-small, and the larger ml-latest / ml-20m / ml-25m of the same format) from
     * {@code path}, the directory or its ratings.csv: ratings.csv {@code userId,movieId,rating,timestamp} and
     * movies.csv {@code movieId,title,genres} (titles may be quoted and contain commas). Category = the first
     * '|'-separated genre name, with dense ids in order of first appearance among the kept ratings.
     */
    public static InteractionLog readLatestSmall(Path path, ReadOptions options) {
        Path dir = Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
        Path ratings = Files.isDirectory(path) ? path.resolve(LATEST_RATINGS) : path;
        Map<Long, String> genreOfMovie = new HashMap<>();
        boolean[] moviesHeader = {false};
        DelimitedFile.scan(dir.resolve(LATEST_MOVIES), StandardCharsets.UTF_8, (lineNumber, line) -> {
            List<String> f = CsvFields.split(line);
            if (!moviesHeader[0]) {
                requireHeader(f.get(0), "movieId", "movieId,title,genres");
                moviesHeader[0] = true;
                return true;
            }
            if (f.size() != 3) {
                throw new IllegalArgumentException("expected 3 fields movieId,title,genres, found " + f.size());
            }
            String firstGenre = f.get(2).split("\\|", 2)[0];
            genreOfMovie.put(Long.parseLong(f.get(0)), DelimitedFile.nonEmpty(firstGenre, "genres"));
            return true;
        });
        LogAssembler log = new LogAssembler(Datasets.nameOf(dir), IdDictionary.numeric("user"),
                IdDictionary.numeric("item"), IdDictionary.dense("category"), options);
        boolean[] ratingsHeader = {false};
        DelimitedFile.scan(ratings, StandardCharsets.UTF_8, (lineNumber, line) -> {
            String[] f = DelimitedFile.fields(line, ',', 4);
            if (!ratingsHeader[0]) {
                requireHeader(f[0], "userId", "userId,movieId,rating,timestamp");
                ratingsHeader[0] = true;
                return true;
            }
            if (log.admits(f[0])) {
                String genre = genreOfMovie.get(Long.parseLong(f[1]));
                if (genre == null) {
                    throw new IllegalArgumentException("movie " + f[1] + " is not in " + LATEST_MOVIES);
                }
                log.add(f[0], f[1], log.categories().idOf(genre), DelimitedFile.secondsToMillis(f[3]),
                        BehaviorType.REVIEW, parseRating(f[2]));
            }
            return true;
        });
        return log.build();
    }

    /** u.genre's names by flag index; generic names where the file is absent (only u.data and u.item are needed). */
    private static String[] genreNames(Path genreFile) {
        String[] names = new String[ML_100K_GENRE_FLAGS];
        for (int g = 0; g < names.length; g++) {
            names[g] = "genre-" + g;
        }
        if (Files.isRegularFile(genreFile)) {
            DelimitedFile.scan(genreFile, StandardCharsets.ISO_8859_1, (lineNumber, line) -> {
                String[] f = DelimitedFile.fields(line, '|', 2);
                int index = Integer.parseInt(f[1]);
                if (index < 0 || index >= ML_100K_GENRE_FLAGS) {
                    throw new IllegalArgumentException("genre index " + index + " outside 0.." + (ML_100K_GENRE_FLAGS - 1));
                }
                names[index] = DelimitedFile.nonEmpty(f[0], "genre name");
                return true;
            });
        }
        return names;
    }

    private static long categoryOf(Map<Long, Long> categoryOfMovie, String movie, String moviesFile) {
        Long category = categoryOfMovie.get(Long.parseLong(movie));
        if (category == null) {
            throw new IllegalArgumentException("movie " + movie + " is not in " + moviesFile);
        }
        return category;
    }

    private static float parseRating(String rating) {
        float value = Float.parseFloat(rating);
        if (!(value >= 0 && value <= 10)) {
            throw new IllegalArgumentException("rating " + rating + " is outside 0..10");
        }
        return value;
    }

    /** Accepts the documented header in any letter case: some published copies lower-case it. */
    private static void requireHeader(String firstField, String expected, String documented) {
        if (!firstField.trim().equalsIgnoreCase(expected)) {
            throw new IllegalArgumentException("expected the header '" + documented + "'");
        }
    }
}
