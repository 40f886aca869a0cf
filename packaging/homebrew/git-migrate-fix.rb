# SPDX-License-Identifier: MIT
# Homebrew formula for git-migrate-fix, in tap layout: this directory is
# the root of a tap repository (e.g. <owner>/homebrew-tap), so
#
#   brew tap <owner>/tap <its URL>
#   brew install git-migrate-fix
#
# builds it from the release tarball that `make dist` makes.  At each
# release: set url to the tarball's address (OWNER is a placeholder until
# the project has its public home) and sha256 to the line of its
# .sha256 file (the version is read from the file name).
class GitMigrateFix < Formula
  desc "Check and repair the revision graph of Alembic migrations"
  homepage "https://github.com/OWNER/git-migrate-fix"
  url "https://github.com/OWNER/git-migrate-fix/releases/download/v0.2.0-dev/git-migrate-fix-0.2.0-dev.tar.gz"
  sha256 "4ee9e80e1ef8922cef70037bad4faee1aeafed5f5eec129ec8c9ce88f5119b58"
  license "MIT"

  depends_on "pkgconf" => :build
  depends_on "libgit2"
  depends_on "pcre2"

  def install
    system "make", "install",
           "prefix=#{prefix}",
           "docdir=#{doc}",
           "bashcompdir=#{bash_completion}",
           "zshcompdir=#{zsh_completion}"
  end

  test do
    assert_equal "git-migrate-fix #{version}\n", shell_output("#{bin}/git-migrate-fix --version")

    system "git", "init", "--quiet"
    (testpath/"migrations/versions/001_first.py").write <<~PYTHON
      """first

      Revision ID: 001
      Revises:
      """
      revision = "001"
      down_revision = None
    PYTHON
    assert_match "1 head (001)", shell_output("#{bin}/git-migrate-fix check --dir migrations/versions")
  end
end
