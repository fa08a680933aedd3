import MusicScore
