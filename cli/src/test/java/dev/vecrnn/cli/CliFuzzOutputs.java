package dev.vecrnn.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link CliFuzzGen}'s outputs: a file output (predict's --out, forecast's --png) or a directory output (a
 * model directory), each sometimes laid out as an existing file replaced with --overwrite, and the faults of
 * an output: an existing file without --overwrite, a directory, an input, a link to one, a device, a FIFO,
 * under a regular file or a dangling link.
 */
abstract class CliFuzzOutputs extends CliFuzzInputs {

    /** Outputs laid out as existing files (valid with --overwrite), by the option that names them. */
    private final Map<Path, String> preexisting = new LinkedHashMap<>();

    CliFuzzOutputs(String command, Path dir, long seed) {
        super(command, dir, seed);
    }

    /** Takes --overwrite away: every output laid out as an existing file becomes a fault too. */
    void dropOverwrite() {
        c.remove("--overwrite");
        preexisting.forEach((p, opt) -> c.fault(opt + ": exists, no --overwrite", opt, p));
    }

    /**
     * A file output given as {@code opt FILE} (predict's --out, forecast's --png): valid variants, and the
     * output faults. {@code anInput} is one of the command's inputs.
     */
    Path fileOutput(String opt, String name, Path anInput) {
        Path target = r.nextInt(6) == 0 ? path(fresh("new") + "/" + fresh("sub") + "/" + name) : path(name);
        c.put(opt, arg(target));
        c.outputs.add(target);
        c.required.add(target);
        if (r.nextInt(6) == 0) {  // an existing output, replaced with --overwrite
            files.put(target, Node.file("old output".getBytes(StandardCharsets.US_ASCII)));
            preexisting.put(target, opt);
            c.flag("--overwrite");
            c.note(target.getFileName() + " exists (old output), --overwrite given");
        } else if (r.nextInt(4) == 0) {
            c.flag("--overwrite");
        }
        planters.add(new Planter(opt, () -> {
            int k = r.nextInt(CliFuzzFiles.permissionsEnforced ? 11 : 10);
            if (anInput == null && k >= 2 && k <= 4) k = 0;
            // predict's --out gets .npy as np.save gives it: /dev/null would be a new file /dev/null.npy, not a device
            if (name.endsWith(".npy") && k == 5) k = 0;
            // and an input not named .npy (an odd name such as 'x.npy' in quotes) is no name np.save writes to
            boolean npyNamed = name.endsWith(".npy");
            if (npyNamed && k == 2 && !anInput.getFileName().toString().endsWith(".npy")) k = 0;
            Runnable anyOverwrite = () -> {
                if (r.nextBoolean()) c.flag("--overwrite");
            };
            String fault = switch (k) {
                case 0 -> {
                    files.put(target, Node.file("precious".getBytes(StandardCharsets.US_ASCII)));
                    dropOverwrite();
                    yield "exists, no --overwrite";
                }
                case 1 -> {
                    files.put(target, Node.DIR);
                    anyOverwrite.run();
                    yield "a directory";
                }
                case 2 -> {
                    // np.save's naming: the input x.npy is also what --out x writes
                    String spelled = arg(anInput);
                    if (npyNamed && r.nextBoolean()) spelled = spelled.substring(0, spelled.length() - ".npy".length());
                    c.put(opt, spelled);
                    c.names.add(spelled);
                    anyOverwrite.run();
                    yield "is an input";
                }
                case 3 -> {
                    files.put(target, Node.link(anInput));
                    anyOverwrite.run();
                    yield "a link to an input";
                }
                case 4 -> {
                    files.put(target, Node.hard(anInput));
                    anyOverwrite.run();
                    yield "a hard link to an input";
                }
                case 5 -> {
                    c.put(opt, "/dev/null");
                    c.names.add("/dev/null");
                    anyOverwrite.run();
                    yield "a device (/dev/null)";
                }
                case 6 -> {
                    Path parent = path(fresh("plainfile"));
                    files.put(parent, Node.file("not a directory".getBytes(StandardCharsets.US_ASCII)));
                    Path t = parent.resolve(name);
                    c.put(opt, t.toString());
                    c.names.add(t.toString());
                    yield "under a regular file";
                }
                case 7 -> {
                    files.put(target, Node.link(path(fresh("nowhere"))));
                    anyOverwrite.run();
                    yield "a dangling link";
                }
                case 8 -> {
                    if (!CliFuzzFiles.fifos) {
                        files.put(target, Node.DIR);
                        yield "a directory";
                    }
                    files.put(target, Node.FIFO);
                    anyOverwrite.run();
                    yield "a FIFO";
                }
                case 9 -> {
                    if (r.nextBoolean()) {
                        c.put(opt, "/");
                        c.names.add("/");
                        yield "the root directory";
                    }
                    Path l = path(fresh("danglingdir"));
                    files.put(l, Node.link(path(fresh("nowhere"))));
                    Path t = l.resolve(name);
                    c.put(opt, t.toString());
                    c.names.add(t.toString());
                    yield "under a dangling link";
                }
                default -> {
                    Path ro = path(fresh("readonly"));
                    files.put(ro, new Node("readonly-dir", null, null));
                    Path t = ro.resolve(name);
                    c.put(opt, t.toString());
                    c.names.add(t.toString());
                    yield "in a directory without write permission";
                }
            };
            c.fault(opt + ": " + fault, opt, target);
        }));
        return target;
    }

    /**
     * A directory output ({@code --out MODELDIR}) that will hold {@code inner} files; {@code inputs} are
     * the command's input files (one may be moved into the directory under an output's name).
     */
    Path dirOutput(String opt, List<String> inner, List<String> requiredInner, Map<String, Path> inputs) {
        int v = r.nextInt(8);
        Path out = switch (v) {
            case 0 -> path(fresh("nested") + "/a/b");
            case 1 -> dir;  // beside the inputs
            case 2 -> {
                Path d = path(fresh("existing"));
                files.put(d, Node.DIR);
                yield d;
            }
            default -> path(fresh("out"));
        };
        c.put(opt, arg(out));
        for (String i : inner) c.outputs.add(out.resolve(i));
        for (String i : requiredInner) c.required.add(out.resolve(i));
        if (r.nextInt(6) == 0) {
            String i = inner.get(r.nextInt(inner.size()));
            files.put(out.resolve(i), Node.file("old output".getBytes(StandardCharsets.US_ASCII)));
            preexisting.put(out.resolve(i), opt);
            c.flag("--overwrite");
            c.note(i + " exists in the output directory, --overwrite given");
        } else if (r.nextInt(4) == 0) {
            c.flag("--overwrite");
        }
        planters.add(new Planter(opt, () -> {
            String i = inner.get(r.nextInt(inner.size()));
            Path t = out.resolve(i);
            List<String> inputNames = new ArrayList<>(inputs.keySet());
            String inOpt = inputNames.get(r.nextInt(inputNames.size()));
            Path in = inputs.get(inOpt);
            Runnable anyOverwrite = () -> {
                if (r.nextBoolean()) c.flag("--overwrite");
            };
            int k = r.nextInt(10);
            String fault = switch (k) {
                case 0 -> {
                    files.put(t, Node.file("precious".getBytes(StandardCharsets.US_ASCII)));
                    dropOverwrite();
                    yield i + " exists, no --overwrite";
                }
                case 9 -> {
                    Path l = path(fresh("danglingdir"));
                    files.put(l, Node.link(path(fresh("nowhere"))));
                    c.put(opt, arg(l));
                    c.names.add(l.toString());
                    yield "the directory is a dangling link";
                }
                case 1 -> {
                    files.put(t, Node.DIR);
                    anyOverwrite.run();
                    yield i + " is a directory";
                }
                case 2 -> {
                    // the input itself lives in the output directory under the output's name
                    Node n = files.get(in);
                    files.put(in, Node.MISSING);
                    files.put(t, n == null ? Node.file(new byte[0]) : n);
                    c.put(inOpt, arg(t));
                    c.names.add(inOpt);
                    anyOverwrite.run();
                    yield i + " is an input (" + inOpt + ")";
                }
                case 3 -> {
                    files.put(t, Node.link(in));
                    anyOverwrite.run();
                    yield i + " is a link to an input";
                }
                case 4 -> {
                    Path f = path(fresh("plainfile"));
                    files.put(f, Node.file("a file, not a directory".getBytes(StandardCharsets.US_ASCII)));
                    c.put(opt, arg(f));
                    c.names.add(f.toString());
                    anyOverwrite.run();
                    yield "the directory is a regular file";
                }
                case 5 -> {
                    c.put(opt, arg(in));
                    c.names.add(in.toString());
                    anyOverwrite.run();
                    yield "the directory is an input file";
                }
                case 6 -> {
                    c.put(opt, "/dev/null");
                    c.names.add("/dev/null");
                    yield "the directory is /dev/null";
                }
                case 7 -> {
                    files.put(t, Node.link(path(fresh("nowhere"))));
                    anyOverwrite.run();
                    yield i + " is a dangling link";
                }
                default -> {
                    if (!CliFuzzFiles.fifos) {
                        files.put(t, Node.DIR);
                        yield i + " is a directory";
                    }
                    files.put(t, Node.FIFO);
                    anyOverwrite.run();
                    yield i + " is a FIFO";
                }
            };
            c.fault(opt + ": " + fault, opt, out, t);
        }));
        return out;
    }

}
