package io.flashrig.agent.cli;

import io.flashrig.agent.programmer.FlashLayout;
import io.flashrig.agent.release.ImageHashes;
import io.flashrig.agent.release.LocalImage;
import io.flashrig.contract.InvalidValueException;
import io.flashrig.contract.ReleaseManifest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code release}: what an engineer needs to publish an image as a release. */
@Command(name = "release", mixinStandardHelpOptions = true, footer = ExitCodes.FOOTER,
        subcommands = ReleaseCommand.Manifest.class,
        description = "Image releases: make the manifest of an image to post to the server (POST /api/v1/releases).")
public class ReleaseCommand {

    /** {@code release manifest}: the manifest of a layout and its binaries, as the JSON body the server takes. */
    @Command(name = "manifest", mixinStandardHelpOptions = true, footer = ExitCodes.FOOTER,
            description = "Prints the release manifest of a flash layout: its name, the layout's file name and the"
                    + " SHA-256 of the layout and of every binary it names, as canonical JSON (keys sorted, no whitespace)"
                    + " ready for POST /api/v1/releases. The manifest hash is the SHA-256 of exactly that line.")
    public static class Manifest implements Callable<Integer> {

        @Option(names = "--layout", required = true, paramLabel = "FILE.tsv", description = "Flash layout; its binaries sit beside it.")
        Path layout;

        @Option(names = "--name", paramLabel = "NAME", description = "Release name; default: the layout's file name without .tsv.")
        String name;

        @Override
        public Integer call() {
            try {
                FlashLayout read = CommonOptions.readLayout(layout);
                ReleaseManifest manifest;
                try {
                    manifest = LocalImage.manifest(read, Optional.ofNullable(name), new ImageHashes());
                } catch (IOException e) {
                    throw new ExitCodes.Failure(ExitCodes.LAYOUT, "cannot read the image of " + layout + ": " + e.getMessage());
                } catch (InvalidValueException e) {
                    throw new ExitCodes.Failure(ExitCodes.USAGE, e.getMessage());
                }
                System.out.println(manifest.canonicalJson());
                return ExitCodes.OK;
            } catch (ExitCodes.Failure f) {
                return ExitCodes.report(f);
            }
        }
    }
}
