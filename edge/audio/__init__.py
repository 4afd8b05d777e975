"""Audio in and out: WAV/PCM/microphone sources, WAV/speaker sinks, format conversion."""
