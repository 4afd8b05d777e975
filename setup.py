"""Build hook for the Cython kernels in native/ (everything else lives in pyproject.toml)."""

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

KERNELS = ["_ringbuffer", "_nlu", "_resampler", "_frontend", "_mixer"]

setup(
    ext_modules=cythonize(
        [
            Extension(f"native.{name}", [f"native/{name}.pyx"], include_dirs=[numpy.get_include()])
            for name in KERNELS
        ],
        compiler_directives={"language_level": "3"},
    )
)
