# This file only has comments; a policy needs a sandbox block.
