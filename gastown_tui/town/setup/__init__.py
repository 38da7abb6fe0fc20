"""Setting a town up and running it: `gt install`, rigs, bringing sessions up and down, and
sharing the Beads log through git (`gt sync`).
"""
